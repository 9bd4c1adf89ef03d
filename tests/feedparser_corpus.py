"""feedparser's own test corpus, read as expectations about digestctl's fields.

Each file in tests/data/feedparser/ (copied from feedparser's sdist, see the README there)
carries, in a comment, the Python expression feedparser's result must satisfy:

    <!--
    Header:      Content-type: text/xml; charset=windows-1252
    Description: entity in a title
    Expect:      not bozo and entries[0]['title'] == 'AT&T'
    -->

The comparisons in that expression that name a field digestctl has — feed and entry
title, link, summary/description/content, published/updated instant, author name —
become checks; the rest (bozo, tags, enclosures, …) are left out.
An expected value is turned into digestctl's vocabulary the way feedparser itself says it
should be read: markup (feedparser's `type` is HTML) as the text a reader sees, plain
text (`type` text/plain) as it is. Both sides are then compared as visible text
(whitespace runs as one space, invisible characters out); a summary agrees when ours, cut
to whole sentences, is the opening of the expected text.

`python tests/feedparser_corpus.py` prints the agreement, ours and feedparser's own.
"""

from __future__ import annotations

import ast
import calendar
import html
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

CORPUS = Path(__file__).parent / "data" / "feedparser"

_DESCRIPTION = re.compile(r"Description:\s*(.*?)\s*Expect:\s*(.*?)\s*-->", re.S)
_HEADER = re.compile(r"^Header:\s+([^:]+):(.+)$", re.M)
_SKIP_UNLESS_CODEC = re.compile(r"SkipUnless:\s*__import__\('codecs'\)\.lookup\('([^']+)'\)")
# Where feedparser's own runner serves the http_* files (their expected links say so).
SERVER = "http://127.0.0.1:8097/tests/"


@dataclass(frozen=True)
class Check:
    """One comparison of an Expect expression that names one of our fields."""

    scope: str  # "feed" or "entry"
    index: int  # the entry's index (0 for the feed)
    field: str  # title, link, summary, published, updated, author
    expected: object  # the literal feedparser must produce
    source: str  # feedparser's key path, e.g. "content[0].value"


@dataclass(frozen=True)
class Case:
    path: Path
    name: str  # relative to CORPUS, with forward slashes
    description: str
    checks: tuple[Check, ...]
    headers: dict[str, str]

    @property
    def url(self) -> str | None:
        # feedparser's runner serves the http_* files: their address is the base.
        served = SERVER + self.name if "http" in self.name else None
        location = self.headers.get("content-location")
        if location and served:
            location = urljoin(served, location)
        # digestctl's base is always the http(s) address it fetched from.
        if location and location.lower().startswith(("http:", "https:")):
            return location
        return served

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


def _comment_text(data: bytes) -> str:
    """The document as text, only well enough to read its leading comment."""
    for prefix, codec in (
        (b"\x4c\x6f\xa7\x94", "cp037"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\x00\x3c", "utf-32-be"),
        (b"\x3c\x00\x00\x00", "utf-32-le"),
        (b"\x00\x3c\x00\x3f", "utf-16-be"),
        (b"\x3c\x00\x3f\x00", "utf-16-le"),
        (b"\xfe\xff", "utf-16"),
        (b"\xff\xfe", "utf-16"),
    ):
        if data.startswith(prefix):
            return data.decode(codec, errors="replace")
    return data.decode("utf-8", errors="replace")


# feedparser's keys, by the field of ours they describe.
_ENTRY_FIELDS = {
    ("title",): "title",
    ("title_detail", "value"): "title",
    ("link",): "link",
    ("summary",): "summary",
    ("description",): "summary",
    ("summary_detail", "value"): "summary",
    ("content", 0, "value"): "summary",
    ("published_parsed",): "published",
    ("updated_parsed",): "updated",
    ("author_detail", "name"): "author",
    ("author",): "author",
}
_FEED_FIELDS = {
    ("title",): "title",
    ("title_detail", "value"): "title",
    ("link",): "link",
}


def _key_path(node: ast.expr) -> tuple[object, ...] | None:
    """("entries", 0, "title") for `entries[0]['title']`; None for anything else."""
    keys: list[object] = []
    while True:
        if isinstance(node, ast.Subscript):
            if not isinstance(node.slice, ast.Constant):
                return None
            keys.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Attribute):
            keys.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            keys.append(node.id)
            return tuple(reversed(keys))
        else:
            return None


def _check(left: ast.expr, right: ast.expr) -> Check | None:
    try:
        expected = ast.literal_eval(right)
    except ValueError:
        return None
    path = _key_path(left)
    if path is None:
        return None
    if path[0] == "feed" and (field := _FEED_FIELDS.get(path[1:])):
        return Check("feed", 0, field, expected, ".".join(map(str, path[1:])))
    if (
        path[0] == "entries"
        and len(path) > 2
        and isinstance(path[1], int)
        and (field := _ENTRY_FIELDS.get(path[2:]))
    ):
        return Check("entry", path[1], field, expected, ".".join(map(str, path[2:])))
    return None


def _checks(expression: str) -> Iterator[Check]:
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        return
    parts = tree.values if isinstance(tree, ast.BoolOp) and isinstance(tree.op, ast.And) else [tree]
    for part in parts:
        if not (isinstance(part, ast.Compare) and len(part.ops) == 1):
            continue
        if not isinstance(part.ops[0], ast.Eq):
            continue
        check = _check(part.left, part.comparators[0]) or _check(part.comparators[0], part.left)
        if check is not None and _usable(check):
            yield check


def _usable(check: Check) -> bool:
    if check.field in ("published", "updated"):
        return check.expected is None or (
            isinstance(check.expected, tuple) and len(check.expected) == 9
        )
    if check.field == "author" and check.source == "author":
        # feedparser's `author` is the raw "jo@example.com (Jo)"; we keep the name alone.
        return isinstance(check.expected, str) and "@" not in check.expected
    return isinstance(check.expected, str)


def read_case(path: Path, root: Path = CORPUS) -> Case | None:
    """The case in `path`, or None if its expression names none of our fields."""
    text = _comment_text(path.read_bytes())
    match = _DESCRIPTION.search(text)
    if match is None:
        return None
    # feedparser skips a case for a codec this Python lacks; so do we.
    if (codec := _SKIP_UNLESS_CODEC.search(text)) and not _has_codec(codec.group(1)):
        return None
    checks = tuple(_checks(match.group(2)))
    if not checks:
        return None
    headers = {k.strip().lower(): v.strip() for k, v in _HEADER.findall(text[: match.start()])}
    name = path.relative_to(root).as_posix()
    return Case(path, name, match.group(1), checks, headers)


def _has_codec(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def cases(root: Path = CORPUS) -> list[Case]:
    found = (read_case(path, root) for path in sorted(root.rglob("*.xml")))
    return [case for case in found if case is not None]


# --- comparison ---------------------------------------------------------------------------

_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|ul|ol|h[1-6]|blockquote|pre|figure|table|tr|td|th|hr|dd|dt)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\ufeff\ud800-\udfff]")


def visible(text: str | None, *, markup: bool) -> str:
    """What a reader sees of `text`: markup as rendered text, plain text as it is,
    whitespace runs as one space, invisible characters left out."""
    if not text:
        return ""
    if markup:
        text = html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", text)))
    return " ".join(_INVISIBLE.sub("", text).split())


def summary_agrees(ours: str, expected: str) -> bool:
    """Ours is the opening of `expected`: whole words, the last perhaps cut before "…"."""
    if not ours or not expected:
        return ours == expected
    if expected.startswith(ours):
        return True
    if ours.endswith("…"):
        head = ours[:-1].rstrip()
        return expected.startswith(head)
    return False


def instant(value: object) -> int | None:
    if isinstance(value, tuple):
        return calendar.timegm((*value[:6], 0, 0, 0))
    return None


@dataclass(frozen=True)
class Result:
    case: Case
    check: Check
    ours: object
    expected: object
    agrees: bool


Reader = Callable[[Case], Any]


def _is_markup(detail: object) -> bool:
    kind = detail.get("type") if isinstance(detail, dict) else None
    return kind != "text/plain"


def expected_value(case: Case, check: Check, reference: Any) -> object:
    """The expected value in our vocabulary; `reference` is feedparser's result for the
    file, which says whether the expected text is markup or plain text."""
    if check.field in ("published", "updated"):
        return instant(check.expected)
    if check.field == "link":
        return check.expected
    holder = reference.feed if check.scope == "feed" else _entry(reference, check.index)
    detail: object = None
    if holder is not None:
        if check.field == "title":
            detail = holder.get("title_detail")
        elif check.field == "summary":
            content = holder.get("content") or [{}]
            detail = (
                content[0] if check.source.startswith("content") else holder.get("summary_detail")
            )
    markup = check.field != "author" and _is_markup(detail)
    return visible(str(check.expected), markup=markup)


def applies(check: Check, reference: Any) -> bool:
    """Whether `check` is about one of our fields: an entry's content is its summary only
    when the entry has no separate summary (feedparser then copies the content there)."""
    if not check.source.startswith("content"):
        return True
    entry = _entry(reference, check.index)
    if entry is None:
        return True
    content = (entry.get("content") or [{}])[0].get("value")
    return bool(entry.get("summary") == content)


def _entry(parsed: Any, index: int) -> Any:
    entries = parsed.entries
    return entries[index] if index < len(entries) else None


def compare(check: Check, ours: object, expected: object) -> bool:
    if check.field == "summary":
        return isinstance(expected, str) and summary_agrees(str(ours or ""), expected)
    if check.field in ("title", "author"):
        return (ours or "") == expected
    return ours == expected


def our_value(case: Case, check: Check, parsed: Any) -> object:
    """digestctl's value for `check`; `parsed` is a ParsedFeed, or None if it refused."""
    if parsed is None:
        return None
    if check.scope == "feed":
        return parsed.title if check.field == "title" else parsed.link
    if check.index >= len(parsed.entries):
        return None
    entry = parsed.entries[check.index]
    if check.field in ("title", "author"):
        return visible(getattr(entry, check.field), markup=False)
    if check.field == "summary":
        return visible(entry.summary, markup=False)
    if check.field == "link":
        return entry.url
    moment = getattr(entry, check.field)
    return int(moment.timestamp()) if moment is not None else None


def their_value(case: Case, check: Check, parsed: Any) -> object:
    """feedparser's own value for `check`, read the way we read the expected literal."""
    holder = parsed.feed if check.scope == "feed" else _entry(parsed, check.index)
    if holder is None:
        return None
    if check.field in ("published", "updated"):
        return instant(tuple(holder[check.source]) if holder.get(check.source) else None)
    if check.field == "link":
        return holder.get("link")
    if check.field == "author":
        detail = holder.get("author_detail") or {}
        return visible(detail.get("name") or holder.get("author"), markup=False)
    if check.field == "title":
        return visible(holder.get("title"), markup=_is_markup(holder.get("title_detail")))
    if check.source.startswith("content"):
        content = (holder.get("content") or [{}])[0]
        return visible(content.get("value"), markup=_is_markup(content))
    return visible(holder.get("summary"), markup=_is_markup(holder.get("summary_detail")))


def parse_reference(case: Case) -> Any:
    import feedparser

    headers = {"content-location": case.url} if case.url else {}
    if case.content_type:
        headers["content-type"] = case.content_type
    return feedparser.parse(case.path.read_bytes(), response_headers=headers)


def parse_ours(case: Case) -> Any:
    from digestctl.errors import ParseError
    from digestctl.feeds import parse_feed

    try:
        return parse_feed(case.path.read_bytes(), url=case.url, content_type=case.content_type)
    except ParseError:
        return None


def run(all_cases: list[Case]) -> tuple[list[Result], list[Result]]:
    """Every check's result for digestctl, and for feedparser itself."""
    ours_results: list[Result] = []
    theirs_results: list[Result] = []
    for case in all_cases:
        reference = parse_reference(case)
        parsed = parse_ours(case)
        for check in case.checks:
            if not applies(check, reference):
                continue
            expected = expected_value(case, check, reference)
            mine = our_value(case, check, parsed)
            theirs = their_value(case, check, reference)
            ours_results.append(Result(case, check, mine, expected, compare(check, mine, expected)))
            theirs_results.append(
                Result(case, check, theirs, expected, compare(check, theirs, expected))
            )
    return ours_results, theirs_results


def by_case(results: list[Result]) -> dict[str, bool]:
    agreed: dict[str, bool] = {}
    for result in results:
        agreed[result.case.name] = agreed.get(result.case.name, True) and result.agrees
    return agreed


def summary_line(label: str, results: list[Result]) -> str:
    files = by_case(results)
    ok_files = sum(files.values())
    ok_checks = sum(r.agrees for r in results)
    return (
        f"{label}: {ok_files}/{len(files)} files ({ok_files / len(files):.1%}), "
        f"{ok_checks}/{len(results)} checks ({ok_checks / len(results):.1%})"
    )


@dataclass(frozen=True)
class DateCase:
    handler: str  # the feedparser date handler the case was written for
    text: str
    expected: int | None  # the instant, seconds since the epoch


def date_cases(root: Path = CORPUS) -> list[DateCase]:
    """feedparser's date tests (its runtests.py `date_tests`, copied to dates.tsv)."""
    found = []
    for line in (root / "dates.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line:
            continue
        handler, text, expected = line.split("\t")
        moment = None
        if expected != "null":
            moment = calendar.timegm(
                (*tuple(int(part) for part in re.split("[-T:Z]", expected)[:6]), 0, 0, 0)
            )
        found.append(DateCase(handler, text, moment))
    return found


def our_date(text: str) -> int | None:
    from digestctl.text import parse_date

    moment = parse_date(text)
    return int(moment.timestamp()) if moment is not None else None


def their_date(text: str) -> int | None:
    import feedparser.datetimes

    parsed = feedparser.datetimes._parse_date(text)
    try:
        return calendar.timegm(parsed) if parsed else None
    except ValueError:  # a year past 9999
        return None


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-v" else CORPUS
    corpus = cases(root)
    mine, theirs = run(corpus)
    print(summary_line("digestctl ", mine))
    print(summary_line("feedparser", theirs))
    dates = date_cases()
    for label, reader in (("digestctl ", our_date), ("feedparser", their_date)):
        agreed = sum(reader(case.text) == case.expected for case in dates)
        print(f"{label} dates: {agreed}/{len(dates)} ({agreed / len(dates):.1%})")
    if "-v" in sys.argv:
        for case in dates:
            if our_date(case.text) != case.expected:
                print(f"date {case.handler} {case.text!r}: ours={our_date(case.text)}")
        for result in mine:
            if not result.agrees:
                print(
                    f"{result.case.name} {result.check.source}: "
                    f"ours={result.ours!r} expected={result.expected!r}"
                )
