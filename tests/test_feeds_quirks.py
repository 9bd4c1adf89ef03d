"""The quirks feedparser's corpus holds, class by class: content types, entities, entries
with only some fields, encodings. Each case here was read wrongly before (see
tests/test_feeds_feedparser_corpus.py for the whole corpus)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from digestctl.config import FetchSettings
from digestctl.core import run_fetch
from digestctl.feeds import parse_feed
from digestctl.output import format_fetch_report
from digestctl.store import Store

URL = "https://example.org/feed"


def atom(entry: str, *, version: str = "1.0") -> bytes:
    if version == "0.3":
        head = '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Site</title>'
    else:
        head = '<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>'
    return f'{head}<entry><link href="https://example.org/1"/>{entry}</entry></feed>'.encode()


def rss(item: str, *, namespaces: str = "") -> bytes:
    return (
        f'<rss version="2.0" {namespaces}><channel><title>Site</title>'
        f"<item>{item}</item></channel></rss>"
    ).encode()


# --- content types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        '<title type="text">History of the &lt;blink&gt; tag</title>',
        "<title>History of the &lt;blink&gt; tag</title>",  # Atom's default type is text
        '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        "History of the &lt;blink&gt; tag</div></title>",
    ],
)
def test_atom_plain_text_is_literal(title: str) -> None:
    (entry,) = parse_feed(atom(title), url=URL).entries
    assert entry.title == "History of the <blink> tag"


def test_atom_without_a_type_holding_escaped_html_is_read_as_html() -> None:
    summary = "<summary>&lt;p&gt;Escaped by a generator that left out the type.&lt;/p&gt;</summary>"
    (entry,) = parse_feed(atom("<title>1 &lt; 2</title>" + summary), url=URL).entries
    assert entry.title == "1 < 2"
    assert entry.summary == "Escaped by a generator that left out the type."


def test_atom03_text_plain_summary_is_literal() -> None:
    summary = '<summary type="text/plain">1 &lt; 2 &amp;&amp; <![CDATA[<b>]]> stays</summary>'
    (entry,) = parse_feed(atom(summary, version="0.3"), url=URL).entries
    assert entry.summary == "1 < 2 && <b> stays"


def test_atom03_base64_is_decoded() -> None:
    encoded = base64.b64encode(b"<p>Example <b>Atom</b> &amp; more</p>").decode()
    data = atom(
        '<title mode="base64">'
        + base64.b64encode("Café <b>news</b>".encode()).decode()
        + "</title>"
        f'<content type="text/html" mode="base64">{encoded}</content>',
        version="0.3",
    )
    (entry,) = parse_feed(data, url=URL).entries
    assert entry.title == "Café <b>news</b>"  # Atom 0.3's default type: text/plain
    assert entry.summary == "Example Atom & more"


def test_escaped_content_is_unescaped_once() -> None:
    content = (
        '<content type="text/html" mode="escaped">&lt;p&gt;Use &amp;lt;br&amp;gt; for a '
        "line break.&lt;/p&gt;</content>"
    )
    (entry,) = parse_feed(atom("<title>t</title>" + content, version="0.3"), url=URL).entries
    assert entry.summary == "Use <br> for a line break."


# --- entities ---------------------------------------------------------------------------------


def test_numeric_references_in_any_case() -> None:
    data = rss(
        "<title>&#X41;&#x42;&#67; &#XE9;t&#xE9;</title><link>https://example.org/&#X41;</link>"
    )
    (entry,) = parse_feed(data, url=URL).entries
    assert entry.title == "ABC été"
    assert entry.url == "https://example.org/A"


def test_references_in_attributes() -> None:
    data = atom("<title>&bigstar; &#X41;</title>").replace(
        b'href="https://example.org/1"', b'href="https://example.org/caf&eacute;/&#X42;"'
    )
    (entry,) = parse_feed(data, url=URL).entries
    assert (entry.title, entry.url) == ("★ A", "https://example.org/café/B")


def test_escaped_markup_inside_markup_keeps_its_visible_text() -> None:
    data = rss(
        "<title>t</title><description><![CDATA[<p>Write <code>&lt;br /&gt;</code> "
        "here.</p>]]></description>"
    )
    (entry,) = parse_feed(data, url=URL).entries
    assert entry.summary == "Write <br /> here."


# --- entries with only some fields -------------------------------------------------------------

_NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
)


@pytest.mark.parametrize(
    ("item", "title", "summary"),
    [
        (
            "<content:encoded><![CDATA[<p>First sentence here. Second one.</p>]]>"
            "</content:encoded>",
            "First sentence here.",
            "First sentence here. Second one.",
        ),
        (
            '<body xmlns="http://www.w3.org/1999/xhtml"><p>Body only. More.</p></body>',
            "Body only.",
            "Body only. More.",
        ),
        ("<xhtml:body><p>Prefixed body.</p></xhtml:body>", "Prefixed body.", "Prefixed body."),
        ("<fullitem>&lt;p&gt;Full item.&lt;/p&gt;</fullitem>", "Full item.", "Full item."),
        ("<media:title>Clip</media:title>", "Clip", None),
        (
            "<media:description>A clip. Watch it.</media:description>",
            "A clip.",
            "A clip. Watch it.",
        ),
    ],
)
def test_an_entry_without_a_title_is_kept_and_titled_from_its_text(
    item: str, title: str, summary: str | None
) -> None:
    (entry,) = parse_feed(rss(item, namespaces=_NS), url=URL).entries
    assert (entry.title, entry.summary) == (title, summary)


def test_cdf_channel() -> None:
    data = (
        b'<CHANNEL HREF="https://example.org/"><TITLE>CDF</TITLE>'
        b'<ITEM HREF="https://example.org/1" LASTMOD="2004-04-07T05:05:43">'
        b"<ABSTRACT>An abstract only.</ABSTRACT></ITEM></CHANNEL>"
    )
    feed = parse_feed(data, url=URL)
    assert (feed.title, feed.link) == ("CDF", "https://example.org/")
    (entry,) = feed.entries
    assert (entry.title, entry.url) == ("An abstract only.", "https://example.org/1")
    assert entry.published is not None
    assert entry.published.isoformat() == ("2004-04-07T05:05:43+00:00")


def test_an_entry_with_nothing_usable_is_dropped_and_counted() -> None:
    data = rss("<title>Kept</title></item><item><author>x@example.org (Only)</author>")
    feed = parse_feed(data, url=URL)
    assert [e.title for e in feed.entries] == ["Kept"]
    assert feed.dropped == 1


def test_fetch_json_reports_dropped_entries(tmp_path: Path) -> None:
    from test_core import FakeFetcher, src

    data = rss("<title>Kept</title><link>https://a.example/1</link></item><item><pubDate/>")
    store = Store(tmp_path / "state.sqlite3")
    try:
        report = run_fetch(
            store,
            [src("a")],
            FetchSettings(),
            fetcher=FakeFetcher({"https://a.example/feed": data}),
        )
    finally:
        store.close()
    (source,) = format_fetch_report(report)["sources"]
    assert (source["new"], source["dropped_entries"]) == (1, 1)


# --- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["cp037", "cp500", "cp1140", "cp875"])
def test_ebcdic(codec: str) -> None:
    text = (
        f'<?xml version="1.0" encoding="{codec}"?>'
        "<rss><channel><title>Caf\u00e9</title><item><title>\u00d8re</title>"
        "<link>https://example.org/1</link></item></channel></rss>"
    )
    if codec == "cp875":  # Greek
        text = text.replace("Caf\u00e9", "\u0391\u03b8\u03ae\u03bd\u03b1").replace(
            "\u00d8re", "\u039d\u03ad\u03b1"
        )
    feed = parse_feed(text.encode(codec), url=URL)
    assert feed.title in ("Caf\u00e9", "\u0391\u03b8\u03ae\u03bd\u03b1")
    assert feed.entries[0].title in ("\u00d8re", "\u039d\u03ad\u03b1")


def test_bytes_that_fit_no_declared_encoding_are_read_and_flagged() -> None:
    data = b'<?xml version="1.0"?><rss><channel><title>Caf\xe9 \x93news\x94</title></channel></rss>'
    feed = parse_feed(data, url=URL)
    assert feed.title == "Café “news”"
    assert feed.warnings
    assert "not UTF-8" in feed.warnings[0]


def test_windows_1252_read_as_latin_1_is_put_right() -> None:
    data = rss("<title>don\u0092t \u0093stop\u0094</title>")  # UTF-8 of C1 controls
    (entry,) = parse_feed(data, url=URL).entries
    assert entry.title == "don’t “stop”"


def test_fetch_flags_a_source_whose_encoding_is_wrong(tmp_path: Path) -> None:
    from test_core import FakeFetcher, src

    data = b'<?xml version="1.0" encoding="utf-8"?><rss><channel><title>x</title><item>'
    data += b"<title>Caf\xe9</title><link>https://a.example/1</link></item></channel></rss>"
    store = Store(tmp_path / "state.sqlite3")
    try:
        report = run_fetch(
            store,
            [src("a")],
            FetchSettings(),
            fetcher=FakeFetcher({"https://a.example/feed": data}),
        )
    finally:
        store.close()
    (source,) = format_fetch_report(report)["sources"]
    assert source["outcome"] == "ok"
    assert any("utf-8" in warning for warning in source["warnings"])
