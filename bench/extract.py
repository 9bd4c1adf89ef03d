"""Page metadata extraction quality and speed: digestctl vs trafilatura vs newspaper4k.

Runs each extractor in-process over sets of saved article pages with known metadata and
prints, per set and extractor: title exact-match rate, mean token F1 of the summary
against the expected one, date and author accuracy, and the median time per page.

Two sets: the shared corpus (../shared/corpus/pages relative to the repository root: 128
pages with Readability's and trafilatura's recorded expectations, null meaning "not
recorded") and the metadata test set the tests ship (tests/data/pages/metadata: 72 pages
with hand-checked expectations, where null means "the page has none" and is graded too).

    .venv/bin/python bench/extract.py [--set shared|metadata] [--corpus DIR] [--repeat N]
        [--show-misses FIELD]
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Readability's own tests give every page this address.
PLACEHOLDER_URL = "http://fakehost/test/page.html"
FIELDS = ("title", "summary", "date", "author")


@dataclass(frozen=True)
class Result:
    title: str | None
    summary: str | None
    published: date | None
    author: str | None


_UNGRADED = object()


@dataclass(frozen=True)
class Expected:
    """What a page should yield. A field left `_UNGRADED` is not scored; None means the
    extractor must find nothing; dates and summaries list every acceptable answer."""

    title: object = _UNGRADED  # str
    summaries: object = _UNGRADED  # list[str]
    author: object = _UNGRADED  # str | None
    published: object = _UNGRADED  # list[date] | None


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    html: bytes
    expected: Expected


Extractor = Callable[[bytes, str], Result]


# --- extractors --------------------------------------------------------------------------


def run_digestctl(data: bytes, url: str) -> Result:
    from digestctl.pages import extract_metadata

    meta = extract_metadata(data, url)
    return Result(
        meta.title,
        meta.summary,
        meta.published.date() if meta.published else None,
        meta.author,
    )


def run_trafilatura(data: bytes, url: str) -> Result:
    import trafilatura

    # Bytes are accepted (trafilatura decodes them itself); metadata only, no body text.
    doc = trafilatura.extract_metadata(data, default_url=url)
    return Result(doc.title, doc.description, _iso_date(doc.date), doc.author)


def run_newspaper(data: bytes, url: str) -> Result:
    try:
        return _run_newspaper(data, url, language=None)
    except ImportError:
        # Chinese, Japanese and Arabic pages want optional tokenizers we do not install;
        # parsing them as English still yields the metadata.
        return _run_newspaper(data, url, language="en")


def _run_newspaper(data: bytes, url: str, *, language: str | None) -> Result:
    import newspaper

    from digestctl.pages import decode_html

    # newspaper wants text: give it the same decoding ours gets, then parse without
    # downloading. Its summary is the meta description, else the start of the body text.
    article = newspaper.Article(url, language=language, fetch_images=False)
    article.download(input_html=decode_html(data))
    article.parse()
    summary = article.meta_description or _leading_text(article.text)
    published = article.publish_date
    return Result(
        article.title or None,
        summary or None,
        published.date() if isinstance(published, datetime) else None,
        ", ".join(article.authors) or None,
    )


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _leading_text(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit)]


EXTRACTORS: dict[str, Extractor] = {
    "digestctl": run_digestctl,
    "trafilatura": run_trafilatura,
    "newspaper4k": run_newspaper,
}


# --- scoring -----------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")
_BY = re.compile(r"^\s*(?:by|von|par|por|di)\s+", re.I)


def normalise(text: str | None) -> str:
    """Case, Unicode form, entities and whitespace made uniform (expected data has all)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    return " ".join(text.split()).casefold()


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(normalise(text))


def token_f1(got: str | None, expected: str | None) -> float:
    a, b = Counter(tokens(got)), Counter(tokens(expected))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def title_match(got: str | None, expected: str) -> bool:
    return normalise(got) == normalise(expected)


def author_match(got: str | None, expected: str) -> bool:
    """Same name after normalisation, or token overlap F1 of at least 0.5.

    Expected bylines are noisy ("By NAME\\n March 11, 2015"), hence the overlap rule.
    """
    if not got:
        return False
    a, b = normalise(_BY.sub("", got)), normalise(_BY.sub("", expected))
    return a == b or token_f1(a, b) >= 0.5


def expected_date(value: object) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _iso_date(value.strip())


def load_corpus(root: Path) -> list[Page]:
    """The pages of a set: the shared corpus's layout (MANIFEST.json, each folder's
    expected-metadata.json) or the test set's (each folder's expected.json)."""
    manifest = json.loads((root / "MANIFEST.json").read_text(encoding="utf-8"))
    pages = []
    for entry in manifest:
        folder = root / entry["name"]
        if (folder / "expected.json").exists():
            raw = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
            expected = _graded(raw)
            url = raw.get("url") or PLACEHOLDER_URL
        else:
            raw = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
            expected = _recorded(raw)
            url = entry.get("url") or PLACEHOLDER_URL
        pages.append(Page(entry["name"], url, (folder / "source.html").read_bytes(), expected))
    return pages


def _graded(raw: dict[str, object]) -> Expected:
    """The test set's expectations: a key present is graded, null included."""
    fields: dict[str, object] = {}
    if "title" in raw:
        fields["title"] = raw["title"]
    if "summary" in raw:
        fields["summaries"] = raw["summary"]
    if "author" in raw:
        fields["author"] = raw["author"]
    if "published" in raw:
        published = raw["published"]
        fields["published"] = (
            [expected_date(value) for value in published] if isinstance(published, list) else None
        )
    return Expected(**fields)


def _recorded(raw: dict[str, object]) -> Expected:
    """The shared corpus's expectations: only values recorded are graded."""
    fields: dict[str, object] = {}
    if isinstance(raw.get("title"), str) and raw["title"]:
        fields["title"] = raw["title"]
    if isinstance(raw.get("excerpt"), str) and raw["excerpt"]:
        fields["summaries"] = [raw["excerpt"]]
    byline = raw.get("byline")
    if isinstance(byline, str) and byline.strip():
        fields["author"] = byline
    if (day := expected_date(raw.get("publishedTime"))) is not None:
        fields["published"] = [day]
    return Expected(**fields)


@dataclass
class Score:
    titles: list[bool]
    f1s: list[float]
    dates: list[bool]
    authors: list[bool]
    times: list[float]
    misses: dict[str, list[str]]


def run_all(names: list[str], pages: list[Page], repeat: int) -> dict[str, Score]:
    """Score every extractor on every page. The extractors take turns page by page, so
    a change in the machine's load during the run falls on all of them alike; each
    page's time is the fastest of `repeat` runs in a row."""
    scores = {name: Score([], [], [], [], [], {k: [] for k in FIELDS}) for name in names}
    for page in pages:
        timings: dict[str, list[float]] = {name: [] for name in names}
        results: dict[str, Result] = {}
        for name in names:
            for _ in range(repeat):
                start = time.perf_counter()
                try:
                    results[name] = EXTRACTORS[name](page.html, page.url)
                except Exception as e:  # a crash scores as nothing found
                    print(f"  {name} {page.name}: {type(e).__name__}: {e}", file=sys.stderr)
                    results[name] = Result(None, None, None, None)
                timings[name].append(time.perf_counter() - start)
        for name in names:
            scores[name].times.append(min(timings[name]))
            grade(scores[name], page, results[name])
    return scores


def grade(result: Score, page: Page, got: Result) -> None:
    exp = page.expected
    if isinstance(exp.title, str):
        ok = title_match(got.title, exp.title)
        result.titles.append(ok)
        if not ok:
            result.misses["title"].append(f"{page.name}: {got.title!r} != {exp.title!r}")
    if isinstance(exp.summaries, list):
        f1 = max(token_f1(got.summary, str(summary)) for summary in exp.summaries)
        result.f1s.append(f1)
        if f1 < 0.5:
            result.misses["summary"].append(
                f"{page.name}: {f1:.2f} {got.summary!r}\n    != {str(exp.summaries[0])[:300]!r}"
            )
    if exp.published is not _UNGRADED:
        days = exp.published
        ok = got.published in days if isinstance(days, list) else got.published is None
        result.dates.append(ok)
        if not ok:
            result.misses["date"].append(f"{page.name}: {got.published} != {exp.published}")
    if exp.author is not _UNGRADED:
        ok = author_match(got.author, exp.author) if isinstance(exp.author, str) else not got.author
        result.authors.append(ok)
        if not ok:
            result.misses["author"].append(f"{page.name}: {got.author!r} != {exp.author!r}")


def format_table(scores: dict[str, Score]) -> str:
    any_score = next(iter(scores.values()))
    header = (
        f"{'extractor':<12} {'title':>7} {'summary F1':>10} {'date':>7} {'author':>7} "
        f"{'median ms':>9}"
    )
    lines = [
        header,
        f"{'(pages)':<12} {len(any_score.titles):>7} {len(any_score.f1s):>10} "
        f"{len(any_score.dates):>7} {len(any_score.authors):>7} {len(any_score.times):>9}",
    ]
    for name, s in scores.items():
        lines.append(
            f"{name:<12} {_rate(s.titles):>7} {statistics.fmean(s.f1s):>10.3f} "
            f"{_rate(s.dates):>7} {_rate(s.authors):>7} "
            f"{statistics.median(s.times) * 1000:>9.2f}"
        )
    return "\n".join(lines)


def _rate(hits: list[bool]) -> str:
    return f"{sum(hits) / len(hits):.1%}" if hits else "n/a"


SETS = {
    "shared": REPO / ".." / "shared" / "corpus" / "pages",
    "metadata": REPO / "tests" / "data" / "pages" / "metadata",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set",
        choices=sorted(SETS),
        action="append",
        help="measure only this set (default: every set found)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="measure this folder instead: <name>/source.html beside expected-metadata.json"
        " (the shared corpus's layout) or expected.json (the test set's)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per page; fastest counts")
    parser.add_argument(
        "--only", choices=sorted(EXTRACTORS), action="append", help="run only these extractors"
    )
    parser.add_argument(
        "--show-misses",
        choices=FIELDS,
        action="append",
        default=[],
        help="list the pages an extractor got wrong for this field",
    )
    args = parser.parse_args(argv)
    if args.corpus:
        folders = [c if c.is_absolute() else (REPO / c) for c in args.corpus]
    else:
        folders = [SETS[name] for name in (args.set or SETS)]
        if not args.set:
            folders = [folder for folder in folders if (folder / "MANIFEST.json").exists()]
    # The other extractors log and warn about odd pages; that is noise here.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    names = args.only or list(EXTRACTORS)
    for folder in folders:
        corpus = folder.resolve()
        pages = load_corpus(corpus)
        for name in names:
            EXTRACTORS[name](pages[0].html, pages[0].url)  # warm up imports and caches
        scores = run_all(names, pages, args.repeat)
        for name, s in scores.items():
            for field in args.show_misses:
                print(f"\n{name} {field} misses ({len(s.misses[field])}):")
                for miss in s.misses[field]:
                    print("  " + miss)
        print(f"\ncorpus: {corpus} ({len(pages)} pages)")
        print(format_table(scores))
        if "digestctl" in scores and "trafilatura" in scores:
            ours = statistics.median(scores["digestctl"].times)
            theirs = statistics.median(scores["trafilatura"].times)
            print(f"digestctl is {theirs / ours:.1f}x faster than trafilatura per page (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
