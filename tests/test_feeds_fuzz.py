"""Fuzzing digestctl.feeds: any bytes in, a ParsedFeed or a ParseError out, quickly, with
clean text and safe links.

Example counts are modest for CI; a longer session sets DIGESTCTL_FUZZ_EXAMPLES, e.g.
DIGESTCTL_FUZZ_EXAMPLES=20000 .venv/bin/pytest tests/test_feeds_fuzz.py -p no:randomly
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digestctl.errors import ParseError
from digestctl.feeds import SUMMARY_CHARS, parse_feed, sniff_format
from digestctl.models import ParsedFeed

EXAMPLES = int(os.environ.get("DIGESTCTL_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timed below, with a bound that fits a shared CI machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS = 2.0  # per document, far above the milliseconds a real feed takes

CORPUS = Path(__file__).parent / "data" / "feeds"
SEEDS = sorted(
    [*CORPUS.glob("*.xml"), *CORPUS.glob("*.json"), *CORPUS.glob("world/*.xml")],
    key=lambda path: path.name,
)
FORMATS = re.compile(r"rss[0-9.]*|atom(0\.3|1\.0)|json(1\.0|1\.1)?")
TAG_LIKE = re.compile(r"<[A-Za-z/!?]")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# Fragments that steer a mutation into the parser's corners.
TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&lt;b&gt;",
    b"&nbsp;",
    b"&#0;",
    b"&#x1F600;",
    b"&#xD800;",
    b"&bogus;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"<!DOCTYPE rss [<!ENTITY e 'x'>]>",
    b"<!ENTITY a '&b;&b;'>",
    b"&e;",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"<?xml version='1.0' encoding='bogus'?>",
    b"\x00",
    b"\x01",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xe2\x80",
    b"\xed\xa0\x80",
    b"<item>",
    b"</item>",
    b"<entry>",
    b"<title>",
    b"</title>",
    b"<link>javascript:alert(1)</link>",
    b"<link href='data:text/html,x'/>",
    b"xml:base='//evil/'",
    b"<description>&lt;script&gt;alert(1)&lt;/script&gt;</description>",
    b"<script>",
    b"<table><td>",
    b'{"items": [',
    b'"version": "https://jsonfeed.org/version/1.1"',
    b"\\ud800",
    b"\n",
    b" " * 50,
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A corpus feed with a few bytes flipped, cut, deleted or spliced in."""
    data = bytearray(draw(st.sampled_from(SEEDS)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["token", "flip", "delete", "truncate", "duplicate"]))
        if action == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif action == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "truncate":
            del data[at:]
        elif action == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


def check(data: bytes, url: str | None = "https://example.org/feed") -> None:
    """The properties every input must keep."""
    assert sniff_format(data) in ("feed", "html", None)
    start = time.perf_counter()
    try:
        feed = parse_feed(data, url=url, content_type="text/xml; charset=utf-8")
    except ParseError as error:
        message = str(error)
        feed = None
    assert time.perf_counter() - start < SECONDS
    if feed is None:
        assert message.strip()
        return
    assert isinstance(feed, ParsedFeed)
    assert FORMATS.fullmatch(feed.format), feed.format
    for text in (feed.title, *(e.title for e in feed.entries), *(e.author for e in feed.entries)):
        check_clean(text)
    # file: links only ever come out of a feed read from a file.
    schemes = ("http", "https", "file") if url and url.startswith("file:") else ("http", "https")
    links = [feed.link]
    for entry in feed.entries:
        check_clean(entry.summary)
        assert entry.summary is None or len(entry.summary) <= SUMMARY_CHARS
        links += [entry.url, entry.image]
        for moment in (entry.published, entry.updated):
            assert moment is None or moment.tzinfo is UTC
    for link in links:
        assert link is None or link.split(":", 1)[0].lower() in schemes, link


def check_clean(text: str | None) -> None:
    if text is None:
        return
    assert text, "empty strings are None"
    # Tag-like text may remain: escaped markup and plain-text content are text a reader
    # sees ("History of the <blink> tag"); every output escapes it (tests/hostile).
    assert not CONTROL.search(text), text
    assert text == text.strip(), text
    assert "  " not in text, text


@FUZZ
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe")
@example(b"<rss")
@example(b"{")
@example(b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": []}]}')
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(mutated())
def test_mutated_feeds(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(b"".join), st.sampled_from(SEEDS))
def test_token_soup_inside_a_feed(soup: bytes, seed: Path) -> None:
    data = seed.read_bytes()
    middle = len(data) // 2
    check(data[:middle] + soup + data[middle:])


@FUZZ
@given(st.text(max_size=300))
def test_text_in_every_field(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8", "surrogatepass")
    fields = b"".join(
        b"<%s>%s</%s>" % (name, escaped, name)
        for name in (b"title", b"link", b"description", b"pubDate", b"author", b"guid")
    )
    check(
        b"<rss version='2.0'><channel><title>t</title><item>" + fields + b"</item></channel></rss>"
    )
    check(
        b"<rss version='2.0'><channel><item>" + fields + b"</item></channel></rss>",
        url="file:///tmp/feed.xml",
    )


def test_seeds_are_the_corpus() -> None:
    assert len(SEEDS) >= 100
