"""Tests for digestctl.feeds: formats, encodings, links, hardening, errors."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from digestctl.errors import ParseError
from digestctl.feeds import _make_parser, parse_feed, sniff_format

URL = "https://example.org/feed.xml"


def rss(items: str, *, head: str = "", attrs: str = 'version="2.0"', channel: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}<rss {attrs} '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>Site</title><link>https://example.org/</link>{channel}{items}"
        "</channel></rss>"
    ).encode()


def atom(entries: str, *, feed: str = "", attrs: str = "") -> bytes:
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"{attrs}><title>Site</title>'
        f'<link href="https://example.org/"/>{feed}{entries}</feed>'
    ).encode()


# --- formats --------------------------------------------------------------------------------


def test_rss2_entry_fields() -> None:
    feed = parse_feed(
        rss(
            "<item><title>A &amp; B</title><link>https://example.org/a</link>"
            "<description>&lt;p&gt;First sentence. Second.&lt;/p&gt;</description>"
            "<pubDate>Fri, 05 Jan 2024 10:00:00 +0100</pubDate>"
            "<author>jo@example.org (Jo Doe)</author>"
            '<guid isPermaLink="false">id-1</guid>'
            '<media:thumbnail url="https://example.org/a.jpg"/></item>'
        ),
        url=URL,
    )
    assert feed.format == "rss2.0"
    assert feed.title == "Site"
    assert feed.link == "https://example.org/"
    (entry,) = feed.entries
    assert entry.title == "A & B"
    assert entry.url == "https://example.org/a"
    assert entry.summary == "First sentence. Second."
    assert entry.published == datetime(2024, 1, 5, 9, tzinfo=UTC)
    assert entry.author == "Jo Doe"
    assert entry.guid == "id-1"
    assert entry.image == "https://example.org/a.jpg"


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.91", "rss0.91"), ("0.92", "rss0.92"), ("2.0", "rss2.0"), ("<2.0", "rss"), ("", "rss")],
)
def test_rss_versions(version: str, expected: str) -> None:
    feed = parse_feed(rss("<item><title>T</title></item>", attrs=f'version="{version}"'))
    assert feed.format == expected
    assert feed.entries[0].title == "T"


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [("http://purl.org/rss/1.0/", "rss1.0"), ("http://my.netscape.com/rdf/simple/0.9/", "rss0.90")],
)
def test_rdf(namespace: str, expected: str) -> None:
    data = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        f'xmlns="{namespace}" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<channel><title>R</title><link>https://r.example/</link></channel>"
        "<item><title>One</title><link>https://r.example/1</link>"
        "<dc:date>2024-01-05T10:00:00Z</dc:date><dc:creator>Ann</dc:creator></item>"
        "</rdf:RDF>"
    ).encode()
    feed = parse_feed(data)
    assert feed.format == expected
    assert feed.title == "R"
    (entry,) = feed.entries
    assert (entry.title, entry.url, entry.author) == ("One", "https://r.example/1", "Ann")
    assert entry.published == datetime(2024, 1, 5, 10, tzinfo=UTC)


def test_atom10_entry_fields() -> None:
    feed = parse_feed(
        atom(
            "<entry><title type='html'>A &lt;b&gt;bold&lt;/b&gt; move</title>"
            "<link rel='alternate' type='application/pdf' href='https://example.org/a.pdf'/>"
            "<link rel='alternate' type='text/html' href='https://example.org/a'/>"
            "<link rel='enclosure' type='image/png' href='https://example.org/a.png'/>"
            "<id>urn:a</id><updated>2024-01-06T00:00:00Z</updated>"
            "<published>2024-01-05T00:00:00-02:00</published>"
            "<summary>Short.</summary><content type='html'>Long body.</content>"
            "<author><name>Ann</name></author><author><name>Bo</name></author></entry>",
            feed="<author><name>Desk</name></author>",
        )
    )
    assert feed.format == "atom1.0"
    (entry,) = feed.entries
    assert entry.title == "A bold move"
    assert entry.url == "https://example.org/a"  # the HTML alternate, not the PDF
    assert entry.image == "https://example.org/a.png"
    assert entry.summary == "Short."
    assert entry.published == datetime(2024, 1, 5, 2, tzinfo=UTC)
    assert entry.updated == datetime(2024, 1, 6, tzinfo=UTC)
    assert entry.author == "Ann, Bo"
    assert entry.guid == "urn:a"


def test_atom_entry_inherits_feed_author_and_falls_back_to_updated() -> None:
    feed = parse_feed(
        atom(
            "<entry><title>T</title><updated>2024-01-06T00:00:00Z</updated></entry>",
            feed="<author><name>Desk</name></author>",
        )
    )
    (entry,) = feed.entries
    assert entry.author == "Desk"
    assert entry.published == entry.updated == datetime(2024, 1, 6, tzinfo=UTC)


def test_atom03() -> None:
    data = (
        b'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old</title>'
        b'<link rel="alternate" type="text/html" href="https://old.example/"/>'
        b"<entry><title>E</title>"
        b'<link rel="alternate" type="text/html" href="https://old.example/e"/>'
        b"<issued>2004-01-05T10:00:00Z</issued><modified>2004-01-06T10:00:00Z</modified>"
        b'<content type="text/html" mode="escaped">&lt;p&gt;Body.&lt;/p&gt;</content>'
        b"</entry></feed>"
    )
    feed = parse_feed(data)
    assert feed.format == "atom0.3"
    (entry,) = feed.entries
    assert (entry.title, entry.url, entry.summary) == ("E", "https://old.example/e", "Body.")
    assert entry.published == datetime(2004, 1, 5, 10, tzinfo=UTC)


def test_atom_xhtml_content() -> None:
    feed = parse_feed(
        atom(
            "<entry><title>T</title><content type='xhtml'>"
            "<div xmlns='http://www.w3.org/1999/xhtml'><p>One.</p><p>Two.</p></div>"
            "</content></entry>"
        )
    )
    assert feed.entries[0].summary == "One. Two."


@pytest.mark.parametrize("version", ["1", "1.1"])
def test_json_feed(version: str) -> None:
    author = {"author": {"name": "Ann"}} if version == "1" else {"authors": [{"name": "Ann"}]}
    data = json.dumps(
        {
            "version": f"https://jsonfeed.org/version/{version}",
            "title": "J",
            "home_page_url": "https://j.example/",
            "items": [
                {
                    "id": 1,
                    "url": "/p/1",
                    "title": "T",
                    "content_html": "<p>Hi <b>there</b>.</p>",
                    "date_published": "2024-01-05T10:00:00+00:00",
                    "image": "https://j.example/i.png",
                    **author,
                },
                {"id": "2", "external_url": "https://x.example/", "content_text": "Plain."},
            ],
        }
    ).encode()
    feed = parse_feed(data, url="https://j.example/feed.json")
    assert feed.format == f"json{version if '.' in version else version + '.0'}"
    assert (feed.title, feed.link) == ("J", "https://j.example/")
    first, second = feed.entries
    assert first.url == "https://j.example/p/1"
    assert first.summary == "Hi there."
    assert first.author == "Ann"
    assert first.guid == "1"
    assert first.image == "https://j.example/i.png"
    assert first.published == datetime(2024, 1, 5, 10, tzinfo=UTC)
    # No title: its text's first sentence stands in.
    assert (second.url, second.summary, second.title) == ("https://x.example/", "Plain.", "Plain.")


def test_json_feed_wrong_types_are_ignored() -> None:
    data = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": ["no"],
            "authors": "nobody",
            "items": [
                "not an item",
                {"id": True, "url": 3, "title": {"a": 1}, "date_published": 5, "authors": [1]},
            ],
        }
    ).encode()
    feed = parse_feed(data)
    # Nothing usable is left of the one item: it is dropped, and counted.
    assert (feed.entries, feed.dropped) == ((), 1)


# --- summaries, fallbacks -------------------------------------------------------------------


def test_summary_prefers_description_then_body() -> None:
    feed = parse_feed(
        rss(
            "<item><title>A</title><description>Short.</description>"
            "<content:encoded><![CDATA[<p>Long body.</p>]]></content:encoded></item>"
            "<item><title>B</title><description>  </description>"
            "<content:encoded><![CDATA[<p>Only the body.</p>]]></content:encoded></item>"
            "<item><title>C</title><itunes:summary>Podcast summary.</itunes:summary></item>"
        )
    )
    assert [e.summary for e in feed.entries] == ["Short.", "Only the body.", "Podcast summary."]


def test_body_is_read_when_no_entry_has_a_summary() -> None:
    items = "".join(
        f"<item><title>{n}</title><content:encoded><![CDATA[<p>Body {n}.</p>]]>"
        "</content:encoded></item>"
        for n in range(3)
    )
    assert [e.summary for e in parse_feed(rss(items)).entries] == [
        "Body 0.",
        "Body 1.",
        "Body 2.",
    ]


def test_body_holding_its_own_closing_tag_text() -> None:
    # A CDATA body containing the literal closing tag must not confuse the light parse.
    items = (
        "<item><title>A</title><description>Desc.</description><content:encoded>"
        "<![CDATA[x </content:encoded> y]]></content:encoded></item>"
        "<item><title>B</title><description>Second.</description></item>"
    )
    feed = parse_feed(rss(items))
    assert [(e.title, e.summary) for e in feed.entries] == [("A", "Desc."), ("B", "Second.")]


def test_body_tag_inside_a_comment_takes_no_entry_with_it() -> None:
    items = (
        "<!-- <content:encoded> --><item><title>A</title><description>a</description></item>"
        "<!-- x --><item><title>B</title><description>b</description>"
        "<content:encoded>body</content:encoded></item>"
    )
    assert [e.title for e in parse_feed(rss(items)).entries] == ["A", "B"]


def test_wordpress_boilerplate_removed() -> None:
    description = (
        "&lt;p&gt;The report is out. It maps forty corridors [&amp;#8230;]&lt;/p&gt;"
        "&lt;p&gt;The post &lt;a href='x'&gt;Report&lt;/a&gt; appeared first on "
        "&lt;a href='y'&gt;Site&lt;/a&gt;.&lt;/p&gt;"
    )
    feed = parse_feed(rss(f"<item><title>R</title><description>{description}</description></item>"))
    assert feed.entries[0].summary == "The report is out."


def test_author_sources() -> None:
    feed = parse_feed(
        rss(
            "<item><title>a</title><dc:creator><![CDATA[Ann]]></dc:creator></item>"
            "<item><title>b</title><itunes:author>Bo &amp; Cy</itunes:author></item>"
            "<item><title>c</title><author>Di Doe &lt;di@example.org&gt;</author></item>"
            "<item><title>d</title><author>ed@example.org</author></item>"
        )
    )
    assert [e.author for e in feed.entries] == ["Ann", "Bo & Cy", "Di Doe", "ed@example.org"]


def test_link_falls_back_to_permalink_guid() -> None:
    feed = parse_feed(
        rss(
            "<item><title>a</title><guid>https://example.org/g</guid></item>"
            '<item><title>b</title><guid isPermaLink="false">https://example.org/h</guid></item>'
        )
    )
    assert [e.url for e in feed.entries] == ["https://example.org/g", None]


def test_feedburner_orig_link_preferred() -> None:
    data = rss(
        "<item><title>a</title><link>https://feedproxy.example/~r/x</link>"
        "<feedburner:origLink>https://blog.example/a</feedburner:origLink></item>",
        attrs='version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"',
    )
    assert parse_feed(data).entries[0].url == "https://blog.example/a"


def test_misspelled_namespaces_and_odd_prefixes() -> None:
    data = (
        b'<rss version="2.0" xmlns:d="http://purl.org/dc/elements/1.1" '
        b'xmlns:m="https://search.yahoo.com/mrss/"><channel><title>S</title>'
        b"<item><title>a</title><d:creator>Ann</d:creator>"
        b'<m:content url="https://example.org/i.jpg" medium="image"/></item></channel></rss>'
    )
    (entry,) = parse_feed(data).entries
    assert (entry.author, entry.image) == ("Ann", "https://example.org/i.jpg")


def test_youtube_media_group() -> None:
    data = atom(
        '<entry xmlns:media="http://search.yahoo.com/mrss/"><title>V</title>'
        "<media:group><media:thumbnail url='https://i.example/v.jpg'/>"
        "<media:description>About the video.</media:description></media:group></entry>"
    )
    (entry,) = parse_feed(data).entries
    assert (entry.summary, entry.image) == ("About the video.", "https://i.example/v.jpg")


# --- links ----------------------------------------------------------------------------------


def test_relative_links_resolve_against_response_url() -> None:
    data = rss("<item><title>a</title><link>posts/1</link></item>")
    feed = parse_feed(data, url="https://example.org/blog/feed.xml")
    assert feed.entries[0].url == "https://example.org/blog/posts/1"


def test_relative_links_in_a_local_file_resolve_against_the_feed_link(tmp_path: Path) -> None:
    data = rss("<item><title>a</title><link>/posts/1</link></item>")
    feed = parse_feed(data, url=(tmp_path / "feed.xml").as_uri())
    assert feed.entries[0].url == "https://example.org/posts/1"


def test_xml_base() -> None:
    data = atom(
        "<entry xml:base='/2024/'><title>a</title><link href='a.html'/></entry>"
        "<entry xml:base='https://other.example/x/'><title>b</title><link href='b'/></entry>"
        "<entry><title>c</title><link href='c'/></entry>",
        attrs=" xml:base='https://example.org/blog/'",
    )
    feed = parse_feed(data, url="https://feeds.example.net/atom")
    assert [e.url for e in feed.entries] == [
        "https://example.org/2024/a.html",
        "https://other.example/x/b",
        "https://example.org/blog/c",
    ]


def test_xml_base_in_a_utf16_document() -> None:
    data = "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='https://example.org/b/'>"
    data += "<entry><title>a</title><link href='a'/></entry></feed>"
    feed = parse_feed(b"\xff\xfe" + data.encode("utf-16-le"), url="https://other.example/")
    assert feed.entries[0].url == "https://example.org/b/a"


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        "file:///etc/passwd",
        "vbscript:x",
    ],
)
def test_dangerous_links_dropped(href: str) -> None:
    data = rss(f"<item><title>a</title><link>{href}</link></item>")
    assert parse_feed(data, url=URL).entries[0].url is None


def test_hostile_markup_becomes_inert_text() -> None:
    hostile = (
        "&lt;script&gt;alert(1)&lt;/script&gt;Hi &lt;img src=x onerror=alert(2)&gt;"
        "&lt;iframe src='javascript:alert(3)'&gt;&lt;/iframe&gt;"
        "&lt;a href='javascript:alert(4)' onclick='alert(5)'&gt;there&lt;/a&gt;."
        "&lt;svg onload=alert(6)&gt;&lt;/svg&gt;&lt;style&gt;*{x:y}&lt;/style&gt;"
    )
    feed = parse_feed(
        rss(
            f"<item><title>{hostile}</title><description>{hostile}</description>"
            "<link>javascript:alert(7)</link>"
            "<enclosure url='data:image/png;base64,AAAA' type='image/png'/></item>"
        ),
        url=URL,
    )
    (entry,) = feed.entries
    assert entry.title == entry.summary == "Hi there."
    assert entry.url is None
    assert entry.image is None


def test_file_links_kept_in_a_local_feed(tmp_path: Path) -> None:
    data = rss("<item><title>a</title><link>file:///srv/a.html</link></item>")
    assert parse_feed(data, url=(tmp_path / "f.xml").as_uri()).entries[0].url == (
        "file:///srv/a.html"
    )


# --- encodings ------------------------------------------------------------------------------

TEXT = "Déjà vu — “quoted” café"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("cp1252", b""),
    ],
)
def test_encodings(encoding: str, prefix: bytes) -> None:
    declared = {"utf-16-le": "utf-16", "utf-16-be": "utf-16", "cp1252": "windows-1252"}
    document = (
        f'<?xml version="1.0" encoding="{declared.get(encoding, encoding)}"?>'
        f"<rss version='2.0'><channel><title>{TEXT}</title></channel></rss>"
    )
    assert parse_feed(prefix + document.encode(encoding)).title == TEXT


def test_latin1_label_read_as_windows_1252() -> None:
    # WHATWG: ISO-8859-1 labels mean windows-1252, whose 0x93/0x94 are curly quotes.
    data = b'<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>\x93q\x94 caf\xe9'
    data += b"</title></channel></rss>"
    assert parse_feed(data).title == "“q” café"


def test_http_charset_used_when_no_declaration() -> None:
    data = "<rss><channel><title>Ça va</title></channel></rss>".encode("cp1252")
    assert parse_feed(data, content_type="text/xml; charset=windows-1252").title == "Ça va"


def test_valid_utf8_wins_over_a_wrong_label() -> None:
    data = '<?xml version="1.0" encoding="iso-8859-1"?><rss><channel><title>café'
    data += "</title></channel></rss>"
    assert parse_feed(data.encode()).title == "café"


def test_mixed_encoding_loses_no_byte() -> None:
    data = b"<rss><channel><title>caf\xc3\xa9 and caf\xe9 \x93x\x94</title></channel></rss>"
    assert parse_feed(data).title == "café and café “x”"


# --- malformed documents --------------------------------------------------------------------


def test_html_entities_and_bare_ampersands() -> None:
    feed = parse_feed(rss("<item><title>AT&T &eacute;t&eacute;&nbsp;&mdash; R&D</title></item>"))
    assert feed.entries[0].title == "AT&T été — R&D"


def test_recovery_keeps_escaped_markup_after_an_error() -> None:
    # libxml2 drops &lt; and &amp; once it is recovering; the repair pass keeps them.
    data = rss(
        "<item><title>One\x01</title><description>&lt;p&gt;A &amp;amp; B.&lt;/p&gt;"
        "</description></item>"
    )
    (entry,) = parse_feed(data).entries
    assert (entry.title, entry.summary) == ("One", "A & B.")


@pytest.mark.parametrize("reference", ["&#xD800;", "&#0;", "&#x1b;", "&#xFFFE;", "&#99999999;"])
def test_references_to_forbidden_characters_are_dropped(reference: str) -> None:
    # Found by the fuzz tests: libxml2 kept &#xD800; as invalid UTF-8, which lxml
    # could not decode.
    feed = parse_feed(rss(f"<item><title>a{reference}b</title></item>"))
    assert feed.entries[0].title == "ab"


def test_truncated_document_keeps_what_arrived() -> None:
    data = rss("<item><title>One</title></item><item><title>Two</title></item>")
    feed = parse_feed(data[: data.index(b"Two</title>") + 3])
    assert [e.title for e in feed.entries] == ["One", "Two"]


def test_leading_whitespace_before_declaration() -> None:
    assert parse_feed(b"\n\n  " + rss("<item><title>x</title></item>")).entries[0].title == "x"


# --- hardening ------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>Bomb &lol9;</title><description>&lol9;</description></item>
</channel></rss>"""


def test_entity_expansion_bomb_does_not_expand() -> None:
    start = time.perf_counter()
    feed = parse_feed(BOMB)
    assert time.perf_counter() - start < 1
    assert "lollol" not in repr(feed)
    (entry,) = feed.entries
    assert len(entry.title or "") < 50


def test_hardened_parser_leaves_entities_unexpanded() -> None:
    # The parser itself, not only the text passes around it.
    root = etree.fromstring(BOMB, _make_parser())
    assert "lollol" not in etree.tostring(root).decode()


def test_external_entity_to_a_local_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY % pe SYSTEM "{secret.as_uri()}"> %pe;]>'
        "<rss version='2.0'><channel><title>&xxe;</title>"
        "<item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>"
    ).encode()
    feed = parse_feed(data)
    assert "TOP-SECRET" not in repr(feed)
    root = etree.fromstring(data, _make_parser())
    assert "TOP-SECRET" not in etree.tostring(root).decode()


def test_external_dtd_and_xinclude_are_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{secret.as_uri()}">'
        '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><title>t</title>'
        f'<item><title>a</title><description><xi:include href="{secret.as_uri()}" parse="text"/>'
        "</description></item></channel></rss>"
    ).encode()
    assert "TOP-SECRET" not in repr(parse_feed(data))


@pytest.mark.parametrize("where", ["doctype", "entity", "parameter-entity"])
def test_external_references_are_never_opened(tmp_path: Path, where: str) -> None:
    # A FIFO blocks whoever opens it: a parser that followed the reference would hang.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    subset = {
        "doctype": f'SYSTEM "{fifo.as_uri()}"',
        "entity": f'[<!ENTITY x SYSTEM "{fifo.as_uri()}">]',
        "parameter-entity": f'[<!ENTITY % p SYSTEM "{fifo.as_uri()}"> %p;]',
    }[where]
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss {subset}><rss version="2.0"><channel>'
        "<title>t &x;</title><item><title>a</title></item></channel></rss>"
    ).encode()
    # In a child process, so that a parser stuck opening the FIFO fails the test by the
    # timeout instead of hanging the whole run.
    code = (
        "import sys; from digestctl.feeds import parse_feed; "
        "print(parse_feed(sys.stdin.buffer.read()).entries[0].title)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=data, capture_output=True, timeout=20, check=True
    )
    assert result.stdout.decode().strip() == "a"


def test_deep_nesting_is_bounded() -> None:
    data = b"<rss><channel><title>t</title>" + b"<x>" * 100_000 + b"</channel></rss>"
    start = time.perf_counter()
    with contextlib.suppress(ParseError):
        parse_feed(data)
    assert time.perf_counter() - start < 5


# --- not feeds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a feed: the document is empty"),
        (b"  \n ", "not a feed: the document is empty"),
        (
            b"<!DOCTYPE html><html><body>Hi</body></html>",
            "not a feed: the document is an HTML page",
        ),
        (b"<html><head><title>x</title></head></html>", "not a feed: the document is an HTML page"),
        (b"<opml version='2.0'><body/></opml>", "not a feed: the XML document's root element is"),
        (b"\x00\x01\x02\xff binary", "not a feed"),
        (b'{"not": "a feed"}', "not a feed: JSON without"),
        (b"{broken json", "malformed JSON"),
        (b'{"items": ' + b"[" * 100_000, "malformed JSON: nested too deeply"),
    ],
)
def test_not_a_feed(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="^" + message.replace("(", r"\(")):
        parse_feed(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (rss(""), "feed"),
        (atom(""), "feed"),
        (b"\xef\xbb\xbf" + rss(""), "feed"),
        ("<rss/>".encode("utf-16"), "feed"),
        (b'<?xml version="1.0"?><!-- a comment --><!DOCTYPE rss [<!ENTITY a "b">]><rss/>', "feed"),
        (b"<?xml version='1.0'?>" + b"<!--" + b"x" * 10_000 + b"--><rss/>", "feed"),
        (b'<rdf:RDF xmlns:rdf="x"/>', "feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "feed"),
        (b'  {"title": "t", "items": []}', "feed"),
        (b"<!doctype html><title>x</title>", "html"),
        (b"<html lang=en>", "html"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "html"),
        (b"<opml/>", None),
        (b'{"a": 1}', None),
        (b"plain text", None),
        (b"", None),
    ],
)
def test_sniff_format(data: bytes, expected: str | None) -> None:
    assert sniff_format(data) == expected


def test_corpus_files_all_parse() -> None:
    corpus = Path(__file__).parent / "data" / "feeds"
    files = sorted([*corpus.glob("*.xml"), *corpus.glob("*.json"), *corpus.glob("world/*")])
    for path in files:
        data = path.read_bytes()
        assert sniff_format(data) == "feed", path.name
        feed = parse_feed(data, url=URL)
        assert feed.entries, path.name


@pytest.mark.parametrize("unit", [b"<item/>", b"<item><title>t</title><link>/x</link></item>"])
def test_an_item_flood_is_read_only_as_far_as_the_entry_cap(unit: bytes) -> None:
    from digestctl.feeds import MAX_ENTRIES

    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>'
    data = head + unit * 300_000 + b"</channel></rss>"
    start = time.perf_counter()
    feed = parse_feed(data, url="https://flood.example/feed")
    assert len(feed.entries) + feed.dropped == MAX_ENTRIES
    assert feed.title == "Flood"
    assert time.perf_counter() - start < 2


def test_a_json_feed_flood_is_read_only_as_far_as_the_entry_cap() -> None:
    from digestctl.feeds import MAX_ENTRIES

    item = b'{"title": "t", "url": "/x"},'
    head = b'{"version": "https://jsonfeed.org/version/1.1", "title": "Flood", "items": ['
    data = head + item * 300_000 + b'{}], "home_page_url": "https://flood.example/"}'
    start = time.perf_counter()
    feed = parse_feed(data, url="https://flood.example/feed")
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.title == "Flood"
    assert feed.link is None  # keys after a flood of items are never read, as with XML
    assert time.perf_counter() - start < 0.5


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(
    document=st.dictionaries(
        st.sampled_from(["version", "title", "items", "home_page_url", "x"]) | st.text(),
        _JSON | st.lists(_JSON, max_size=5),
        max_size=6,
    ),
    indent=st.sampled_from([None, 0, 2]),
)
@settings(max_examples=200, deadline=None)
def test_capped_json_reading_agrees_with_json_loads(
    document: dict[str, object], indent: int | None
) -> None:
    from digestctl.feeds import load_json_capped

    text = json.dumps(document, indent=indent)
    assert load_json_capped(text) == json.loads(text)
    assert load_json_capped(f" \n{text}\t") == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ['{"items": [1, 2', '{"items": [1 2]}', '{"a" 1}', '{"a": 1,}', '{"a": 1} x', "{", '{"a": ]}'],
)
def test_capped_json_reading_refuses_what_json_loads_refuses(text: str) -> None:
    from digestctl.feeds import load_json_capped

    with pytest.raises(ValueError):  # noqa: PT011 (json.JSONDecodeError or our own)
        json.loads(text)
    with pytest.raises(ValueError):  # noqa: PT011
        load_json_capped(text)
