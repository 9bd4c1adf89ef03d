"""The labelled same-story headlines of tests/data/stories (see its README), as items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HEADLINES = Path(__file__).parent / "data" / "stories" / "headlines.txt"


@dataclass(frozen=True)
class Headline:
    id: str
    story: str  # the hand-made label
    source: str
    title: str
    summary: str
    published: datetime


def load_headlines(path: Path = HEADLINES) -> list[Headline]:
    """Every headline, in arrival order (by date, then as written)."""
    found: list[Headline] = []
    story, day, n = "", datetime.min.replace(tzinfo=UTC), 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("# "):
            continue
        if line.startswith("## "):
            key, _, date = line[3:].partition("|")
            story, n = key.strip(), 0
            day = datetime.fromisoformat(date.strip()).replace(tzinfo=UTC)
            continue
        source, title, summary = (part.strip() for part in line.split("|", 2))
        n += 1
        published = day + timedelta(hours=n)
        found.append(Headline(f"{story}-{n}", story, source, title, summary, published))
    found.sort(key=lambda h: h.published)
    return found


def bcubed(truth: dict[str, str], found: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering `found` against labels `truth`."""
    by_truth: dict[str, set[str]] = {}
    by_found: dict[str, set[str]] = {}
    for item, label in truth.items():
        by_truth.setdefault(label, set()).add(item)
        by_found.setdefault(found[item], set()).add(item)
    precision = recall = 0.0
    for item in truth:
        mine = by_found[found[item]]
        real = by_truth[truth[item]]
        both = len(mine & real)
        precision += both / len(mine)
        recall += both / len(real)
    precision /= len(truth)
    recall /= len(truth)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
