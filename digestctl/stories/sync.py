"""Stories in the store: cluster the items that have none yet, resuming from the saved
window; rebuild from scratch. Store I/O; no terminal."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import datetime

from digestctl.store import Store, StoryChanges, StoryRow
from digestctl.stories.cluster import Clusterer, Params


@dataclass(frozen=True)
class StoryRun:
    assigned: dict[str, str]  # item -> story, for the items clustered now
    joined: int  # of those, how many joined a story that existed before this item
    merges: int


def format_vector(vec: dict[str, float]) -> tuple[str, bytes]:
    """A vector as saved: its terms (no term holds a space) and its weights as doubles,
    bit for bit, so a later fetch resumes from exactly the same index."""
    return " ".join(vec), array("d", vec.values()).tobytes()


def parse_vector(terms: str | None, weights: bytes | None) -> dict[str, float]:
    if not terms or not weights:
        return {}
    values = array("d")
    names = terms.split(" ")
    if len(weights) != 8 * len(names):
        return {}  # damaged: the item just stops counting in the index
    values.frombytes(weights)
    return dict(zip(names, values, strict=True))


def _cluster(
    rows: list[StoryRow], window: list[StoryRow], store: Store, params: Params
) -> tuple[Clusterer, int]:
    must, cannot = store.story_fixes()
    c = Clusterer(params, must_link=must, cannot_link=cannot)
    for w in window:
        assert w.story is not None
        c.load(w.id, w.story, w.story_seq, parse_vector(w.terms, w.weights), w.date, w.seq)
    joined = 0
    for row in rows:
        story, _ = c.add(row.id, row.title, row.summary, row.date, row.seq)
        joined += story != row.id
    return c, joined


def assign_stories(store: Store, now: datetime, params: Params | None = None) -> StoryRun:
    """Give every item without a story one: join a story of the window or found one."""
    p = params or Params()
    rows = store.unclustered_items()
    if not rows:
        return StoryRun({}, 0, 0)
    c, joined = _cluster(rows, store.story_window(p.window_days), store, p)
    _save(store, c, now, reset=False)
    return StoryRun(dict(c.assigned), joined, len(c.merges))


def rebuild_stories(store: Store, now: datetime, params: Params | None = None) -> StoryRun:
    """Re-cluster every item from scratch, in arrival order, keeping the editor's fixes."""
    p = params or Params()
    rows = store.all_story_items()
    c, joined = _cluster(rows, [], store, p)
    _save(store, c, now, reset=True)
    return StoryRun(dict(c.assigned), joined, len(c.merges))


def _save(store: Store, c: Clusterer, now: datetime, *, reset: bool) -> None:
    store.save_stories(
        StoryChanges(
            assigned=[
                (item, story, *format_vector(c.vectors[item])) for item, story in c.assigned.items()
            ],
            founded=list(c.founded.items()),
            merges=[(m.absorbed, m.into) for m in c.merges],
            reset=reset,
        ),
        now,
    )
