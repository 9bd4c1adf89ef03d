"""Ranking: every candidate's score (higher = likelier this editor picks it) and `why`.

The model is learned from this workspace's picks and skips at each decision (`learn`, which
picks.py calls after every change of status) and kept in the store as plain rows; `features`,
`model` and `scoring` are pure, this module reads and writes the store.

Other modules call `rank_candidates(store, config, items)` (or `load_ranker` once and
`Ranker.rank` many times). Stories plug in through `story_sizes`: item id -> how many outlets
carry its story (1 when absent).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, TypeVar

from digestctl.ranking import model as M
from digestctl.ranking.features import extract_features
from digestctl.ranking.scoring import (
    Candidate,
    Context,
    FastScorer,
    Part,
    Preferences,
    Words,
    score_parts,
)

if TYPE_CHECKING:
    from digestctl.config import Config
    from digestctl.store import Store

# At most this many of the latest decisions are learned from, so that a decision stays quick
# after years of use (a refit over 3,000 took 0.53 s on a busy 2-core machine: bench/rank.py).
MAX_EXAMPLES = 3000

C = TypeVar("C", bound=Candidate)


class Scored(Generic[C]):
    """An item with its score; `why` (its reasons) is worked out when first read."""

    __slots__ = ("_scorer", "_size", "_why", "_words", "item", "score")

    def __init__(
        self,
        item: C,
        score: float,
        why: tuple[str, ...] | None = None,
        *,
        scorer: FastScorer | None = None,
        story_size: int = 1,
        words: Words | None = None,
    ) -> None:
        self.item = item
        self.score = score
        self._why = why
        self._scorer = scorer
        self._size = story_size
        self._words = words

    @property
    def why(self) -> tuple[str, ...]:
        if self._why is None:
            scorer = self._scorer
            self._why = scorer.score(self.item, self._size, self._words)[1] if scorer else ()
            self._words = None  # not needed any more
        return self._why

    def __repr__(self) -> str:
        return f"Scored({self.item!r}, {self.score!r})"


@dataclass(frozen=True)
class Explanation:
    item_id: str
    score: float
    parts: tuple[Part, ...]
    picks: int  # decisions the model learned from
    skips: int
    cold: bool  # no learned model: story size and freshness only
    warnings: tuple[str, ...] = ()


def preferences(config: Config | None) -> Preferences:
    """The ranking preferences in sources.toml (none without a config)."""
    if config is None:
        return Preferences()
    return Preferences(
        boost=config.rank.boost,
        bury=config.rank.bury,
        weights={s.name: s.weight for s in config.sources if s.weight != 1.0},
        tags={s.name: s.tags for s in config.sources if s.tags},
    )


@dataclass
class Ranker:
    """A loaded model with its context, ready to score any number of candidates."""

    context: Context
    story_sizes: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def cold(self) -> bool:
        return not self.context.model.trained

    def explain(self, item: Candidate) -> Explanation:
        parts = score_parts(item, self.story_sizes.get(item.id, 1), self.context)
        model = self.context.model
        return Explanation(
            item.id,
            sum(p.value for p in parts),
            tuple(parts),
            model.picks,
            model.skips,
            self.cold,
            self.warnings,
        )

    def scores(self, items: Iterable[C]) -> Iterator[tuple[str, float]]:
        """Each item's id and score (as `rank` gives it), keeping nothing of the item."""
        sizes = self.story_sizes
        scorer = FastScorer(self.context)
        for item in items:
            yield item.id, round(scorer.total(item, sizes.get(item.id, 1)), 4)

    def rank(self, items: Sequence[C], *, best_first: bool = True) -> list[Scored[C]]:
        """The items best first (ties: the order given, newest first by default); with
        `best_first=False`, scored but in the order given."""
        scored: list[Scored[C]] = []
        sizes = self.story_sizes
        scorer = FastScorer(self.context)
        learned = self.context.model.trained
        for item in items:
            size = sizes.get(item.id, 1)
            words = scorer.words(item) if learned else None
            total = scorer.total(item, size, words)
            scored.append(
                Scored(item, round(total, 4), scorer=scorer, story_size=size, words=words)
            )
        if best_first:
            scored.sort(key=lambda s: -s.score)
        return scored


def load_ranker(
    store: Store,
    config: Config | None,
    *,
    story_sizes: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> Ranker:
    """The stored model (rebuilt in memory if it is stale or from another version); a
    damaged one gives the cold-start order and a warning in `Ranker.warnings`."""
    prefs = preferences(config)
    warnings: list[str] = []
    model = M.Model()
    try:
        meta, rows = store.load_rank_model()
        stored = M.load_model(meta, rows)
        decided = store.count_rank_decisions()
        if stored is None or stored.basis != decided:
            # Never trained, made by another version, or a decision since the last fit
            # (an upgrade, or a crash between the two writes): learn again.
            stored = _refit(store, config) if decided else None
        if stored is not None:
            model = stored
    except M.ModelDamaged as e:
        warnings.append(
            f"the ranking model in the store is damaged ({e}); ordering by story size and "
            "freshness until the next pick or skip rebuilds it (`digestctl rank reset` "
            "starts it afresh)"
        )
    counts = store.rank_source_counts() if model.trained else {}
    sizes = story_sizes if story_sizes is not None else store.outlet_counts()
    context = Context(model, prefs, now or datetime.now(UTC), counts)
    return Ranker(context, sizes, tuple(warnings))


def rank_candidates(
    store: Store,
    config: Config | None,
    items: Sequence[C],
    *,
    story_sizes: Mapping[str, int] | None = None,
    now: datetime | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[Scored[C]]:
    """`items` best first, each with its score and why. Warnings (a damaged model) go to
    `warn` when given."""
    ranker = load_ranker(store, config, story_sizes=story_sizes, now=now)
    if warn is not None:
        for message in ranker.warnings:
            warn(message)
    return ranker.rank(items)


def learn(store: Store, config: Config | None = None) -> M.Model:
    """Fit the model to the decisions in the store and save it; returns it. Called after
    every pick, skip, unpick or undo (the decisions themselves are saved by then)."""
    model = fit(store, config)
    meta, weights = M.dump_model(model, trained_at=datetime.now(UTC).isoformat())
    store.save_rank_model(meta, weights)
    return model


def _refit(store: Store, config: Config | None) -> M.Model:
    """A stale model refitted for a listing: saved if the store takes it (a read-only
    store, or one busy past the timeout, only costs the next listing the same fit)."""
    from digestctl.errors import StoreError

    model = fit(store, config)
    meta, weights = M.dump_model(model, trained_at=datetime.now(UTC).isoformat())
    with contextlib.suppress(StoreError):
        store.save_rank_model(meta, weights)
    return model


def fit(store: Store, config: Config | None = None) -> M.Model:
    """The model fitted to the decisions in the store (the latest MAX_EXAMPLES)."""
    prefs = preferences(config)
    basis = store.count_rank_decisions()
    examples: list[M.Example] = []
    # The latest decisions, in the order of their item ids: the same decisions give the same
    # model however quickly (in how many seconds, commands) they were made.
    rows = sorted(store.list_rank_examples(limit=MAX_EXAMPLES), key=lambda r: r.item_id)
    for row in rows:
        if row.label not in (0, 1):
            continue  # a damaged row teaches nothing
        feats = extract_features(row.title, row.summary, row.source, prefs.tags.get(row.source, ()))
        # Each feature list sorted too: sets iterate in a per-process order (hash seed).
        examples.append(M.Example(sorted(feats), 1 if row.label == 1 else 0))
    return replace(M.train(examples), basis=basis)


def reset(store: Store) -> int:
    """Forget every decision and the model; returns how many decisions were forgotten."""
    return store.reset_rank_model()
