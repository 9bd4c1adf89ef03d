"""Incremental same-story clustering over an inverted index. Pure, in memory.

Each item becomes a TF-IDF vector of its title and lead text (IDF from the items seen so
far inside the time window, frozen when the item arrives, so the same items in the same
order give the same stories however they are batched). It joins the story whose centroid
is closest, if close enough, found through an inverted index from terms to stories —
never all pairs. A join moves that story's centroid; when it comes close enough to
another story's centroid, the two merge (a single pass alone splits a story whose first
items were worded differently). Items older than the window leave the index.

Stories are named by their founding item's id and ordered by its sequence number (its
arrival order), so an id never changes while its founder is in it. Editors' corrections
come in as must-link / cannot-link item pairs.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from digestctl.stories.tokens import terms

DAY = 86_400.0
_LOGS = 4096
_LOG1P = [math.log(d + 1) for d in range(_LOGS)]  # log(df + 1), looked up, not computed


@dataclass(frozen=True)
class Params:
    """Tuned on tests/data/stories (bench/stories.py): precision first."""

    join: float = 0.35  # cosine of an item to a story's centroid to join it
    merge: float = 0.40  # cosine of two centroids to merge the stories
    window_days: float = 3.0  # items further apart than this never share a story
    decay_per_day: float = 0.1  # similarity lost per day between an item and a story's newest
    summary_weight: float = 0.30  # a lead-text term counts this much against a title term
    summary_terms: int = 10  # lead text beyond this many terms is ignored
    probe_terms: int = 8  # the item's heaviest terms that look up candidate stories
    common_stories: int = 30  # a term in more live stories than this does not probe
    rescore: int = 5  # candidates whose exact similarity is computed
    merge_probe: int = 3  # joined story compared with this many other candidates


def vector_of(
    title: str | None, summary: str | None, df: Mapping[str, int], n: int, p: Params
) -> dict[str, float]:
    """Unit-length TF-IDF vector: title terms weigh 1, lead-text terms `summary_weight`."""
    weights = dict.fromkeys(terms(title), 1.0)
    for t in terms(summary, p.summary_terms):
        if t not in weights:
            weights[t] = p.summary_weight
    if not weights:
        return {}
    base = math.log(n + 1) + 1.0
    get = df.get
    for t, w in weights.items():
        d = get(t, 0)
        weights[t] = w * (base - (_LOG1P[d] if d < _LOGS else math.log(d + 1)))
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()}


@dataclass
class _Story:
    id: str
    seq: int  # the founder's arrival order: the older story survives a merge
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    norm: float = 1.0  # sqrt(norm2), kept beside it for the hot loop
    newest: float = -math.inf  # the date of its newest item
    live: int = 0  # members still inside the window
    members: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Merge:
    absorbed: str
    into: str


class Clusterer:
    """The index over the window's items, and the decisions taken while adding to it."""

    def __init__(
        self,
        params: Params | None = None,
        *,
        must_link: Iterable[tuple[str, str]] = (),
        cannot_link: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.p = params or Params()
        self.df: dict[str, int] = {}
        self.n = 0
        self.stories: dict[str, _Story] = {}
        self.postings: dict[str, dict[str, float]] = {}  # term -> story -> centroid weight
        self.story_of: dict[str, str] = {}
        self._vec: dict[str, dict[str, float]] = {}
        self._live: list[tuple[float, int, str]] = []  # (date, seq, item) heap
        self._newest = -math.inf
        self._must: dict[str, set[str]] = {}
        self._cannot: dict[str, set[str]] = {}
        for a, b in must_link:
            self._must.setdefault(a, set()).add(b)
            self._must.setdefault(b, set()).add(a)
        for a, b in cannot_link:
            self._cannot.setdefault(a, set()).add(b)
            self._cannot.setdefault(b, set()).add(a)
        self.assigned: dict[str, str] = {}  # item -> story, for items added (not loaded)
        self.merges: list[Merge] = []
        self.founded: dict[str, int] = {}  # new story -> seq
        self.vectors: dict[str, dict[str, float]] = {}  # item -> vector, for items added
        self._candidates: list[tuple[float, _Story]] = []

    # -- building the state --------------------------------------------------------------

    def load(
        self,
        item_id: str,
        story_id: str,
        story_seq: int,
        vec: dict[str, float],
        date: float,
        seq: int,
    ) -> None:
        """Put back an item clustered by an earlier run (its vector as it was computed)."""
        story = self.stories.get(story_id)
        if story is None:
            story = self.stories[story_id] = _Story(story_id, story_seq)
        self._index(item_id, story, vec, date, seq)
        self._evict()

    def add(
        self, item_id: str, title: str | None, summary: str | None, date: float, seq: int
    ) -> tuple[str, dict[str, float]]:
        """Assign a new item to a story; returns the story id and the item's vector."""
        # Leave out of the index what this item's date puts beyond the window, first.
        self._newest = max(self._newest, date)
        self._evict()
        vec = vector_of(title, summary, self.df, self.n, self.p)
        story = self._choose(item_id, vec, date)
        if story is None:
            story = self.stories[item_id] = _Story(item_id, seq)
            self.founded[item_id] = seq
            self._index(item_id, story, vec, date, seq)
        else:
            self._index(item_id, story, vec, date, seq)
            self._merge_converging(story, vec)
        self.assigned[item_id] = self.story_of[item_id]
        self.vectors[item_id] = vec
        self._evict()
        return self.story_of[item_id], vec

    # -- decisions -----------------------------------------------------------------------

    def _choose(self, item_id: str, vec: dict[str, float], date: float) -> _Story | None:
        self._candidates = []
        for partner in sorted(self._must.get(item_id, ())):
            partner_story = self.stories.get(self.story_of.get(partner, ""))
            if partner_story is not None and not self._conflict_item(item_id, partner_story):
                return partner_story
        best: _Story | None = None
        best_sim = self.p.join
        self._candidates = self._rank(vec, date)
        for sim, story in self._candidates:
            if sim >= best_sim and not self._conflict_item(item_id, story):
                best, best_sim = story, sim
                break
        return best

    def _aged(self, sim: float, a: float, b: float) -> float:
        """A similarity discounted for the days between two dates: the same words a day
        later are a little less likely to be the same news."""
        if not self.p.decay_per_day:
            return sim
        return sim * max(0.0, 1.0 - self.p.decay_per_day * abs(a - b) / DAY)

    def _rank(self, vec: dict[str, float], date: float) -> list[tuple[float, _Story]]:
        """Stories sharing the item's heaviest terms, by exact cosine to their centroid."""
        if not vec:
            return []
        # Heaviest first; a stable sort keeps the vector's (deterministic) order on ties.
        probes = sorted(vec, key=vec.__getitem__, reverse=True)[: self.p.probe_terms]
        partial: defaultdict[str, float] = defaultdict(float)
        postings = self.postings
        crowded = self.p.common_stories
        for t in probes:
            posting = postings.get(t)
            # A term that many live stories share tells little; it would also cost most.
            if posting is None or len(posting) > crowded:
                continue
            w = vec[t]
            for story_id, cw in posting.items():
                partial[story_id] += w * cw
        if not partial:
            return []
        stories = self.stories
        # The heaviest terms carry most of a match: a story far below the merge bar on
        # them alone cannot reach it (nor the join bar) on the rest.
        floor = self.p.merge * 0.5
        scores = [(x, s) for s, v in partial.items() if (x := v / stories[s].norm) >= floor]
        if len(scores) > self.p.rescore:
            scores = heapq.nlargest(self.p.rescore, scores)
        ranked: list[tuple[float, _Story]] = []
        for _, story_id in scores:
            story = stories[story_id]
            c = story.centroid
            dot = sum(w * c[t] for t, w in vec.items() if t in c)
            ranked.append((self._aged(dot / story.norm, date, story.newest), story))
        ranked.sort(key=lambda x: (-x[0], x[1].seq))
        return ranked

    def _merge_converging(self, story: _Story, vec: dict[str, float]) -> None:
        """Merge into one the stories whose centroids came close through this join."""
        looked = 0
        for sim, other in list(self._candidates):
            if sim < self.p.merge * 0.5:
                break
            if looked >= self.p.merge_probe:
                break
            if other.id == story.id or other.id not in self.stories or story.id not in self.stories:
                continue
            looked += 1
            small, large = sorted((story.centroid, other.centroid), key=len)
            dot = sum(w * large.get(t, 0.0) for t, w in small.items())
            cos = self._aged(dot / (story.norm * other.norm), story.newest, other.newest)
            if cos >= self.p.merge and not self._conflict_stories(story, other):
                story = self._merge(story, other)

    def _merge(self, a: _Story, b: _Story) -> _Story:
        keep, gone = (a, b) if (a.seq, a.id) <= (b.seq, b.id) else (b, a)
        for t, w in gone.centroid.items():
            keep.centroid[t] = keep.centroid.get(t, 0.0) + w
            posting = self.postings[t]
            del posting[gone.id]
            posting[keep.id] = keep.centroid[t]
        keep.norm2 = sum(w * w for w in keep.centroid.values())
        keep.norm = math.sqrt(keep.norm2)
        keep.live += gone.live
        keep.newest = max(keep.newest, gone.newest)
        keep.members |= gone.members
        for item in gone.members:
            self.story_of[item] = keep.id
            if item in self.assigned:
                self.assigned[item] = keep.id
        del self.stories[gone.id]
        self.founded.pop(gone.id, None)
        self.merges.append(Merge(gone.id, keep.id))
        return keep

    def _conflict_item(self, item_id: str, story: _Story) -> bool:
        cannot = self._cannot.get(item_id)
        return bool(cannot and cannot & story.members)

    def _conflict_stories(self, a: _Story, b: _Story) -> bool:
        if not self._cannot:
            return False
        small, large = sorted((a, b), key=lambda s: len(s.members))
        return any(self._cannot.get(i, set()) & large.members for i in small.members)

    # -- the index -----------------------------------------------------------------------

    def _index(
        self, item_id: str, story: _Story, vec: dict[str, float], date: float, seq: int
    ) -> None:
        c = story.centroid
        df = self.df
        postings = self.postings
        dot = vv = 0.0
        for t, w in vec.items():
            df[t] = df.get(t, 0) + 1
            old = c.get(t, 0.0)
            dot += old * w
            vv += w * w
            c[t] = old + w
            posting = postings.get(t)
            if posting is None:
                postings[t] = {story.id: old + w}
            else:
                posting[story.id] = old + w
        # |c + v|² = |c|² + 2 c·v + |v|², without a pass over the centroid.
        story.norm2 += 2 * dot + vv
        story.norm = math.sqrt(story.norm2) if story.norm2 > 0 else 1.0
        story.live += 1
        story.newest = max(story.newest, date)
        story.members.add(item_id)
        self.n += 1
        self.story_of[item_id] = story.id
        self._vec[item_id] = vec
        heapq.heappush(self._live, (date, seq, item_id))
        self._newest = max(self._newest, date)

    def _evict(self) -> None:
        horizon = self._newest - self.p.window_days * DAY
        while self._live and self._live[0][0] < horizon:
            _, _, item_id = heapq.heappop(self._live)
            vec = self._vec.pop(item_id)
            story = self.stories.get(self.story_of[item_id])
            self.n -= 1
            for t in vec:
                left = self.df[t] - 1
                if left:
                    self.df[t] = left
                else:
                    del self.df[t]
            if story is None:
                continue
            story.live -= 1
            c = story.centroid
            for t, w in vec.items():
                rest = c.get(t, 0.0) - w
                if story.live and rest > 1e-9:
                    c[t] = rest
                    self.postings[t][story.id] = rest
                else:
                    c.pop(t, None)
                    posting = self.postings.get(t)
                    if posting is not None:
                        posting.pop(story.id, None)
                        if not posting:
                            del self.postings[t]
            story.norm2 = sum(w * w for w in c.values())
            story.norm = math.sqrt(story.norm2) if story.norm2 > 0 else 1.0
            if story.live == 0 or not c:
                # Out of the window: no longer a candidate, but its id stays with its items.
                for t in list(c):
                    posting = self.postings.get(t)
                    if posting is not None:
                        posting.pop(story.id, None)
                        if not posting:
                            del self.postings[t]
                del self.stories[story.id]
