"""The labelled article set (tests/data/articles/) and how an extraction is scored.

Each page folder holds `page.html.gz`, `meta.json` (url, language, provenance, licence,
`heldout`) and either `reference.txt` (the whole text a careful reader keeps; scored by
bag-of-words precision/recall/F1) or `expect.json` (`must`: sentences that must be in the
output, `must_not`: boilerplate that must not; scored as trafilatura's evaluation does).
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ARTICLES = Path(__file__).parent / "data" / "articles"
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    language: str
    heldout: bool
    html: bytes
    reference: str | None = None
    must: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


def load_pages(root: Path = ARTICLES) -> list[Page]:
    pages = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        html = gzip.decompress((folder / "page.html.gz").read_bytes())
        reference = None
        must: list[str] = []
        must_not: list[str] = []
        if (folder / "reference.txt").exists():
            reference = (folder / "reference.txt").read_text("utf-8")
        else:
            expect = json.loads((folder / "expect.json").read_text("utf-8"))
            must, must_not = expect["must"], expect["must_not"]
        pages.append(
            Page(
                folder.name,
                meta["url"],
                meta["language"],
                bool(meta["heldout"]),
                html,
                reference,
                must,
                must_not,
            )
        )
    return pages


def tokens(text: str) -> list[str]:
    """Words, and each CJK character as a word of its own."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


@dataclass
class Counts:
    """True positives, false positives, false negatives, summed over pages."""

    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def bag_of_words(output: str, reference: str) -> Counts:
    got, want = Counter(tokens(output)), Counter(tokens(reference))
    tp = sum((got & want).values())
    return Counts(tp, sum(got.values()) - tp, sum(want.values()) - tp)


def _squash(text: str) -> str:
    return "".join(tokens(text))


def sentences(output: str, must: list[str], must_not: list[str]) -> Counts:
    """trafilatura's evaluation: a must sentence found is a true positive, one missing a
    false negative; a must-not sentence found is a false positive, one absent a true
    negative (not counted in F1)."""
    text = _squash(output)
    found = sum(1 for s in must if _squash(s) in text)
    leaked = sum(1 for s in must_not if _squash(s) in text)
    return Counts(found, leaked, len(must) - found)


def score(page: Page, output: str) -> Counts:
    if page.reference is not None:
        return bag_of_words(output, page.reference)
    return sentences(output, page.must, page.must_not)
