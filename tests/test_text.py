"""Tests for digestctl.text: HTML to text, boilerplate, truncation, dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from digestctl.text import (
    clean_summaries,
    clean_summary,
    clean_title,
    clean_titles,
    html_to_text,
    parse_date,
    truncate_sentences,
)

TAG_LIKE = re.compile(r"<[A-Za-z/!?]")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Hello <b>wor</b>ld</p><p>Second &amp; more</p>", "Hello world Second & more"),
        ("Tom &amp; Jerry &lt; 3 &#8230; &#x2014; &eacute;", "Tom & Jerry < 3 … — é"),
        ("plain   text\n\twith  space", "plain text with space"),
        ("line<br>break<br/>again", "line break again"),
        ("<ul><li>one</li><li>two</li></ul>", "one two"),
        ("<p>a</p><script>alert(1)</script><style>p{}</style>b", "a b"),
        ("<iframe src=x>inner</iframe>ok", "ok"),
        ("<!-- a comment -->text", "text"),
        ("<![CDATA[x]]>text", "text"),
        ("&lt;p&gt;Double &amp;amp; escaped&lt;/p&gt;", "Double & escaped"),  # feed bug
        ("R&D and AT&T", "R&D and AT&T"),
        ("x\x00y\x1bz\u200b\u00adw\ufeff", "xyzw"),
        ("non\xa0breaking", "non breaking"),
        ('<div class="sharedaddy"><h3>Share this:</h3><a>Twitter</a></div><p>Body.</p>', "Body."),
        ("<p>Hello</p><div class='feedflare'><a>Email this</a></div>", "Hello"),
        ("<img src=x alt=pic>caption", "caption"),
        ("", ""),
        ("<unclosed", ""),
        ("1 < 2 > 0", "1 < 2 > 0"),
    ],
)
def test_html_to_text(markup: str, expected: str) -> None:
    assert html_to_text(markup) == expected


def test_clean_title() -> None:
    assert clean_title("  Breaking:\n <em>News</em> &amp; Views ") == "Breaking: News & Views"
    assert clean_title("Caf&eacute; opens") == "Café opens"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "<p>Great news today.</p><p>The post <a href='x'>Great news</a> appeared first on "
            "<a href='y'>Example Blog</a>.</p>",
            "Great news today.",
        ),
        (
            "<p>Summary text. More here &#8230; <a class='more-link' href='x'>Continue reading "
            "<span class='screen-reader-text'>Title</span> &rarr;</a></p>",
            "Summary text.",
        ),
        ("Body text. Continue reading →", "Body text."),
        ("Body text. Read more »", "Body text."),
        ("Body text. <a href='x'>Read More...</a>", "Body text."),
        ("Body text. <a href='x'>[more]</a>", "Body text."),
        ("<a href='x'>More than 100</a> people came.", "More than 100 people came."),
        ("Body text. Continue reading on Medium »", "Body text."),
        ("Body text. (more…)", "Body text."),
        ("Body text. submitted by /u/someone [link] [comments]", "Body text."),
        ("Body text.\nShare this:\nTwitter Facebook", "Body text."),
        ("This is it. This article was originally published on The Conversation.", "This is it."),
        ("One sentence. Two sentence [...]", "One sentence."),
        ("One sentence. Two sentence […]", "One sentence."),
        (
            "Just a long fragment that the source cut […]",
            "Just a long fragment that the source cut…",
        ),
        ("One. Two. Three. Four.", "One. Two. Three."),
        (
            "Dr. Smith met the U.S. team on Jan. 5. They agreed.",
            "Dr. Smith met the U.S. team on Jan. 5. They agreed.",
        ),
        ("", ""),
    ],
)
def test_clean_summary(raw: str, expected: str) -> None:
    assert clean_summary(raw) == expected


def test_clean_summary_cuts_at_sentence_boundary() -> None:
    first = "The first sentence is reasonably long and says something. "
    text = first + "The second sentence goes on and on " * 10 + "until the end."
    assert clean_summary(text, max_chars=100) == first.strip()


def test_truncate_sentences_word_boundary() -> None:
    text = "word " * 100
    result = truncate_sentences(text, 50)
    assert len(result) <= 50
    assert result.endswith("…")
    assert result == "word " * 9 + "word…"


def test_truncate_sentences_short_text_unchanged() -> None:
    assert truncate_sentences("Short. Text.", 300) == "Short. Text."
    assert truncate_sentences("a b", 0) == ""
    assert truncate_sentences("Anything here", 1) == "…"


def test_truncate_sentences_max_sentences() -> None:
    assert truncate_sentences("A b. C d! E f? G h.", 300, max_sentences=2) == "A b. C d!"


def test_truncate_sentences_cjk() -> None:
    text = "这是第一句。这是第二句。" * 30
    assert truncate_sentences(text, 15) == "这是第一句。这是第二句。"


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 822 / 2822 and real-world variants
        ("Fri, 05 Jan 2024 10:00:00 GMT", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Jan 2024 10:00:00 +0100", _utc(2024, 1, 5, 9)),
        ("Fri, 5 Jan 2024 10:00:00 -0530", _utc(2024, 1, 5, 15, 30)),
        ("05 Jan 2024 10:00:00 GMT", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Jan 24 10:00:00 GMT", _utc(2024, 1, 5, 10)),
        ("Sun, 05 Jan 97 10:00:00 GMT", _utc(1997, 1, 5, 10)),
        ("Fri, 05 Jan 2024 10:00 EST", _utc(2024, 1, 5, 15)),
        ("Fri, 05 Jan 2024 10:00:00 PDT", _utc(2024, 1, 5, 17)),
        ("Fri, 05 Jan 2024 10:00:00 UT", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Jan 2024 10:00:00 Z", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Jan 2024 10:00:00 +01:00", _utc(2024, 1, 5, 9)),
        ("Fri, 05 Jan 2024 10:00:00", _utc(2024, 1, 5, 10)),
        ("Friday, 05 January 2024 10:00:00 GMT", _utc(2024, 1, 5, 10)),
        ("fri, 05 jan 2024 10:00:00 gmt", _utc(2024, 1, 5, 10)),
        ("Fri,05 Jan 2024 10:00:00 GMT", _utc(2024, 1, 5, 10)),
        ("Sat, 05 Jan 2024 10:00:00 +0000 (UTC)", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Jan 2024 23:59:60 GMT", _utc(2024, 1, 5, 23, 59, 59)),
        ("Fri Jan  5 10:00:00 2024", _utc(2024, 1, 5, 10)),
        ("Fri, 05 Sept 2024 10:00:00 GMT", _utc(2024, 9, 5, 10)),
        # ISO 8601 / W3CDTF
        ("2024-01-05T10:00:00Z", _utc(2024, 1, 5, 10)),
        ("2024-01-05T10:00:00+02:00", _utc(2024, 1, 5, 8)),
        ("2024-01-05T10:00:00.123456789-05:00", _utc(2024, 1, 5, 15, 0, 0, 123456)),
        ("2024-01-05T10:00Z", _utc(2024, 1, 5, 10)),
        ("2024-01-05T10:00:00", _utc(2024, 1, 5, 10)),
        ("2024-01-05", _utc(2024, 1, 5)),
        ("2024-01", _utc(2024, 1, 1)),
        ("2024", _utc(2024, 1, 1)),
        ("20240105T100000Z", _utc(2024, 1, 5, 10)),
        ("2024-01-05t10:00:00z", _utc(2024, 1, 5, 10)),
        # common non-standard forms
        ("2024-01-05 10:00:00", _utc(2024, 1, 5, 10)),
        ("2024-01-05 10:00:00 +0100", _utc(2024, 1, 5, 9)),
        ("2024-01-05 10:00:00 UTC", _utc(2024, 1, 5, 10)),
        ("January 5, 2024", _utc(2024, 1, 5)),
        ("5 January 2024", _utc(2024, 1, 5)),
        ("Jan 5th, 2024 3:04 PM PDT", _utc(2024, 1, 5, 22, 4)),
        ("January 5, 2024 at 10:00 am", _utc(2024, 1, 5, 10)),
        ("12 Dec 2023 12:30 a.m.", _utc(2023, 12, 12, 0, 30)),
        ("  Fri, 05 Jan 2024 10:00:00 GMT \n", _utc(2024, 1, 5, 10)),
        # unreadable
        ("", None),
        ("garbage", None),
        ("Mon, 31 Feb 2024 10:00 GMT", None),
        ("2024-13-01", None),
        ("Fri, 05 Jan 2024 25:00:00 GMT", None),
        ("05/01/2024", None),  # day or month first? no way to know
        ("Fri, 05 Foo 2024 10:00:00 GMT", None),
        ("2024-01-05T10:00:00+25:00", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("13:00 PM, Jan 5 2024", None),
        ("1" * 500, None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    result = parse_date(value)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


# --- properties ---------------------------------------------------------------------------

_markup = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<b>",
                "<br/>",
                "<script>",
                "</script>",
                "&amp;",
                "&lt;",
                "&gt;",
                "&amp;lt;",
                "&#0;",
                "&#x1b;",
                "&#xd800;",
                "<!--",
                "-->",
                "<![CDATA[",
                "]]>",
                "\x00",
                "\x85",
                "\u2028",
                ". ",
                "… ",
                "[…]",
                "Read more",
                "<a href='x'>",
                "</a>",
                "<table><td>",
                "<title>",
                "<textarea>",
                "<div class='sharedaddy'>",
                "</div>",
                "Continue reading",
                "The post x appeared first on y.",
                "\x01",
                "&",
                "<",
            ]
        ),
    ),
    max_size=30,
).map("".join)


@given(_markup)
@example("&amp;lt;b&amp;gt;x")
@example("&amp;amp;lt;b&amp;amp;gt;x")
@example("&lt;!--x")
def test_clean_text_has_no_tags_or_controls(markup: str) -> None:
    for text in (html_to_text(markup), clean_title(markup), clean_summary(markup)):
        # Escaped markup is text a reader sees ("&lt;br&gt;" reads "<br>"); without
        # escapes, everything tag-like is a tag and goes.
        if "&" not in markup:
            assert not TAG_LIKE.search(text), text
        assert not CONTROL.search(text), text
        assert text == text.strip()
        assert "  " not in text


@given(st.lists(_markup, max_size=6))
@example(["<p>one", "two</p>", "<b>three"])
@example(["<table><td>cell", "after"])
@example(["0</DIV>0", "<div class='sharedaddy'>"])
@example(["x <a href='y'>Read more", "next"])
def test_batch_cleaning_equals_one_by_one(markups: list[str]) -> None:
    assert clean_titles(markups) == [clean_title(markup) for markup in markups]
    assert clean_summaries(markups, 120) == [clean_summary(markup, 120) for markup in markups]


@given(_markup)
def test_html_to_text_is_stable(markup: str) -> None:
    once = html_to_text(markup)
    # Text that reads like markup ("&amp;", "<br>" from escaped markup) is not markup.
    assert html_to_text(once) == once or "&" in once or TAG_LIKE.search(once)


_words = st.lists(
    st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12),
    min_size=0,
    max_size=80,
)
_punctuation = st.sampled_from(["", "", "", ".", ",", "!", "?", "…"])


@given(st.lists(st.tuples(_words.map(" ".join), _punctuation)), st.integers(30, 400))
def test_summaries_within_length_never_mid_word(parts: list[tuple[str, str]], limit: int) -> None:
    text = " ".join(words + punct for words, punct in parts).strip()
    clean = " ".join(text.split())
    result = truncate_sentences(clean, limit)
    assert len(result) <= limit
    # Whole sentences or whole words: what follows the kept text is a space or nothing.
    body = result if clean.startswith(result) else result.removesuffix("…").rstrip()
    assert clean.startswith(body)
    rest = clean[len(body) :]
    assert body == "" or re.match(r"[^\w\s]*(\s|$)", rest), (body, rest)


@given(st.lists(st.tuples(_words.map(" ".join), _punctuation)), st.integers(30, 400))
def test_clean_summary_within_length(parts: list[tuple[str, str]], limit: int) -> None:
    text = " ".join(words + punct for words, punct in parts)
    assert len(clean_summary(text, limit)) <= limit


@given(st.text(max_size=120))
@example("Fri, 05 Jan 9999 23:59:59 -1200")
@example("0001-01-01T00:00:00+14:00")
@example("9999-12-31T23:59:59-14:00")
@example("Jan 1 2024 0:0:00.99999999999999999999")
def test_parse_date_never_raises_and_is_utc(value: str) -> None:
    result = parse_date(value)
    assert result is None or result.tzinfo is UTC


@given(st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2049, 12, 31)))
def test_parse_date_round_trips_rfc822_and_iso(moment: datetime) -> None:
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_date(moment.strftime("%a, %d %b %Y %H:%M:%S +0000")) == moment
    assert parse_date(moment.strftime("%d %b %y %H:%M:%S GMT")) == moment
    assert parse_date(moment.isoformat()) == moment


def test_a_dotted_capital_i_does_not_disable_boilerplate_removal() -> None:
    # "İ".lower() is two characters: lower-casing the whole batch once shifted every offset
    # after it, and no "The post … appeared first on …" line was found in that feed.
    summaries = [
        "İstanbul report out. The post X appeared first on Y.",
        "Other story here. The post Z appeared first on W.",
    ]
    assert clean_summaries(summaries, 300) == ["İstanbul report out.", "Other story here."]
