"""Main-text extraction quality and speed: digestctl vs trafilatura vs readability-lxml.

Runs each extractor in-process over the labelled article set (tests/data/articles, see its
README) and prints, per extractor and per part of the set (pages used while developing,
held-out pages, all): bag-of-words precision / recall / F1 on the pages with a full
reference text, and must/must-not sentence precision / recall / F1 on the others, then
the median time per page.

    .venv/bin/python bench/fulltext.py [--repeat N] [--only NAME] [--pages]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from articles import Counts, Page, load_pages, score  # noqa: E402

Extractor = Callable[[str, str], str]


def run_digestctl(html: str, url: str) -> str:
    from digestctl.pages.article import extract_article

    article = extract_article(html, url)
    return article.text if article else ""


def run_trafilatura(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url) or ""


def run_readability(html: str, url: str) -> str:
    import lxml.html
    from readability import Document

    try:
        summary = Document(html, url=url).summary(html_partial=True)
    except Exception:  # it raises on pages it cannot read; that is an empty result
        return ""
    tree = lxml.html.fromstring(summary)
    # Paragraph breaks as blank lines, as a reader would copy them.
    for block in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "tr", "pre", "blockquote"):
        block.tail = "\n\n" + (block.tail or "")
    return str(tree.text_content())


EXTRACTORS: dict[str, Extractor] = {
    "digestctl": run_digestctl,
    "trafilatura": run_trafilatura,
    "readability-lxml": run_readability,
}


def measure(
    extractors: dict[str, Extractor], pages: list[tuple[Page, str]], repeat: int
) -> dict[str, tuple[dict[str, Counts], dict[str, float], float]]:
    """Per extractor: counts per part (words/sentences × dev/heldout/all), per-page F1,
    median ms. Extractors take turns page by page, so a busy machine slows them alike."""
    parts: dict[str, dict[str, Counts]] = {name: {} for name in extractors}
    per_page: dict[str, dict[str, float]] = {name: {} for name in extractors}
    times: dict[str, list[float]] = {name: [] for name in extractors}
    for page, html in pages:
        kind = "words" if page.reference is not None else "sentences"
        for name, extract in extractors.items():
            output = extract(html, page.url)
            best = float("inf")
            for _ in range(repeat):
                started = time.perf_counter()
                extract(html, page.url)
                best = min(best, time.perf_counter() - started)
            times[name].append(best)
            counts = score(page, output)
            per_page[name][page.name] = counts.f1
            for split in ("heldout" if page.heldout else "dev", "all"):
                parts[name].setdefault(f"{kind}/{split}", Counts()).add(counts)
    return {
        name: (parts[name], per_page[name], statistics.median(times[name]) * 1000)
        for name in extractors
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per page (best kept)")
    parser.add_argument("--only", choices=EXTRACTORS, help="run one extractor")
    parser.add_argument("--pages", action="store_true", help="print F1 per page")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    from digestctl.pages import decode_html

    pages = [(p, decode_html(p.html)) for p in load_pages()]
    words = sum(1 for p, _ in pages if p.reference is not None)
    held = sum(1 for p, _ in pages if p.heldout)
    print(
        f"{len(pages)} pages: {words} with a reference text, {len(pages) - words} with "
        f"must/must-not sentences; {held} held out\n"
    )
    names = [args.only] if args.only else list(EXTRACTORS)
    results = measure({name: EXTRACTORS[name] for name in names}, pages, args.repeat)
    header = f"{'':18}" + "".join(f"{name:>24}" for name in names)
    for kind, label in (("words", "bag of words"), ("sentences", "must/must-not")):
        print(f"{label}: precision / recall / F1")
        print(header)
        for split in ("dev", "heldout", "all"):
            row = f"  {split:16}"
            for name in names:
                c = results[name][0].get(f"{kind}/{split}", Counts())
                row += f"{c.precision:>10.3f} {c.recall:.3f} {c.f1:.3f}"
            print(row)
        print()
    print("median time per page (ms): " + ", ".join(f"{n} {results[n][2]:.2f}" for n in names))
    if "digestctl" in results and "trafilatura" in results:
        ratio = results["trafilatura"][2] / results["digestctl"][2]
        print(f"digestctl is {ratio:.1f}x trafilatura's speed")
    if args.pages:
        print()
        for page, _ in pages:
            marks = " ".join(f"{results[n][1][page.name]:.3f}" for n in names)
            print(f"{page.name:50} {'H' if page.heldout else ' '} {marks}")


if __name__ == "__main__":
    main()
