"""digestctl.feeds and digestctl.dates against feedparser's own test corpus.

tests/feedparser_corpus.py turns each corpus file's `Expect:` expression into checks on
our fields; feedparser itself passes every one of them (test_the_reading_is_fair), so a
failure is ours. Every case we disagree on is listed in UNDERSTOOD with the reason, and
every listed one must still disagree, so the list stays true.
"""

from __future__ import annotations

import pytest
from feedparser_corpus import (
    Case,
    Result,
    by_case,
    cases,
    date_cases,
    our_date,
    run,
    their_date,
)

_DROPPED = "an entry with no title, link or text is dropped (and counted), whatever else it has"
_BROWSER = "we read HTML as a browser does (HTML5 parsing); feedparser's SGML parser differs"
# reason -> corpus files (relative to tests/data/feedparser) that disagree for it
_REASONS: dict[str, tuple[str, ...]] = {
    _DROPPED: tuple(
        f"wellformed/{name}.xml"
        for name in (
            *("atom/entry_author_map_author_2", "atom/entry_author_name"),
            *("atom/entry_issued_parsed", "atom/entry_modified_map_updated_parsed"),
            *("atom/entry_published_parsed", "atom/entry_published_parsed_date_overwriting"),
            *("atom/entry_updated_multiple_values", "atom/entry_updated_parsed"),
            *("atom10/entry_author_map_author_2", "atom10/entry_author_name"),
            *("cdf/item_lastmod_parsed", "itunes/itunes_item_author_map_author"),
            *("rss/item_author", "rss/item_author_map_author_detail_name"),
            *("rss/item_author_map_author_detail_name2", "rss/item_author_map_author_detail_name3"),
            *("rss/item_dc_author", "rss/item_dc_author_map_author_detail_name"),
            *("rss/item_dc_creator", "rss/item_dc_creator_map_author_detail_name"),
            *("rss/item_dc_date_parsed", "rss/item_dcterms_issued_parsed"),
            *("rss/item_dcterms_modified_parsed", "rss/item_pubDate_map_updated_parsed"),
        )
    ),
    _BROWSER: (
        # "<!-- -- x >fe…": an HTML comment ends only at "-->", so "fe" is inside it.
        "wellformed/sanitize/xml_malicious_comment.xml",
        # "<!DOCTYPE ~", "<!' <a>": a doctype or bogus comment, which a page never shows.
        "wellformed/sanitize/xml_declaration_unexpected_character.xml",
        "wellformed/rss/item_description_not_a_doctype.xml",
        "wellformed/rss/item_description_not_a_doctype2.xml",
        # "<![CDATA[" in HTML opens a bogus comment up to the first ">".
        "wellformed/sanitize/item_content_encoded_script_nested_cdata.xml",
    ),
    "an SVG's <title> and <desc> are tooltips, not text a reader sees": (
        "wellformed/namespace/atomsvgdesc.xml",
        "wellformed/namespace/atomsvgtitle.xml",
        "wellformed/namespace/rss2.0svgtitle.xml",
    ),
    "&lang; and &rang; are U+27E8/U+27E9 in HTML5; feedparser uses HTML 4's U+2329/U+232A": (
        "entities/lang.xml",
        "entities/rang.xml",
    ),
    "valid UTF-8 is read as UTF-8; feedparser guesses it was double-encoded": (
        "encoding/bozo_linenoise.xml",
    ),
    "type='html' holding an XHTML <div> of escaped markup (TypePad): we show what it says": (
        "wellformed/atom10/entry_content_div_escaped_markup.xml",
    ),
    "RSS has no <summary>: the standard <description> is the summary": (
        "wellformed/rss/item_summary_and_description.xml",
    ),
}
UNDERSTOOD = {name: reason for reason, names in _REASONS.items() for name in names}
# feedparser's own date tests: the one we read differently.
UNDERSTOOD_DATES = {
    "03335": "a bare five-digit number is more often junk than a two-digit year and a day "
    "of the year; '03-335' is read",
}


@pytest.fixture(scope="module")
def corpus() -> list[Case]:
    return cases()


@pytest.fixture(scope="module")
def results(corpus: list[Case]) -> tuple[list[Result], list[Result]]:
    return run(corpus)


def test_the_corpus_is_feedparsers_and_covers_our_fields(corpus: list[Case]) -> None:
    assert len(corpus) >= 1200
    fields = {check.field for case in corpus for check in case.checks}
    assert fields == {"title", "link", "summary", "published", "updated", "author"}
    folders = {case.name.split("/")[0] for case in corpus}
    assert folders == {"wellformed", "illformed", "encoding", "entities"}


def test_the_reading_is_fair(results: tuple[list[Result], list[Result]]) -> None:
    """feedparser itself meets every expectation as we read it."""
    _, theirs = results
    failing = [f"{r.case.name} {r.check.source}: {r.ours!r}" for r in theirs if not r.agrees]
    assert not failing, failing


def test_agreement(results: tuple[list[Result], list[Result]]) -> None:
    ours, _ = results
    files = by_case(ours)
    assert sum(files.values()) / len(files) >= 0.97


def test_every_disagreement_is_understood(results: tuple[list[Result], list[Result]]) -> None:
    ours, _ = results
    unexplained = [
        f"{r.case.name} {r.check.source}: ours={r.ours!r} expected={r.expected!r}"
        for r in ours
        if not r.agrees and r.case.name not in UNDERSTOOD
    ]
    assert not unexplained, "\n".join(unexplained)


def test_understood_disagreements_still_happen(
    results: tuple[list[Result], list[Result]],
) -> None:
    ours, _ = results
    failing = {name for name, agreed in by_case(ours).items() if not agreed}
    stale = sorted(set(UNDERSTOOD) - failing)
    assert not stale, f"no longer disagree, remove from UNDERSTOOD: {stale}"


def test_feedparsers_date_tests() -> None:
    dates = date_cases()
    assert len(dates) >= 60
    wrong = [
        f"{case.handler} {case.text!r}: {our_date(case.text)} != {case.expected}"
        for case in dates
        if our_date(case.text) != case.expected and case.text not in UNDERSTOOD_DATES
    ]
    assert not wrong, "\n".join(wrong)
    # feedparser's own dispatcher reads fewer of them than its handlers one by one.
    assert sum(our_date(c.text) == c.expected for c in dates) > sum(
        their_date(c.text) == c.expected for c in dates
    )
    for text in UNDERSTOOD_DATES:
        assert any(c.text == text and our_date(text) != c.expected for c in dates), text
