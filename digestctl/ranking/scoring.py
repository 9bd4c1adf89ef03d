"""A candidate's score and the reasons for it, from the learned model, the editor's
`[rank]` preferences, its story's size and its freshness. Pure.

The score is a sum of log-odds: what the model learned from picks and skips, plus ln(weight)
for a weighted source, plus a fixed step for each boost or bury term, plus the two priors —
story size and freshness. The priors order the list on their own before any decision (cold
start) and count for less as decisions accumulate: a hundred decisions halve them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

import digestctl.ranking.features as F
from digestctl.ranking.model import Model

BOOST = 2.0  # log-odds for an item that mentions a boost term: about 7x likelier
BURY = -4.0  # and for a bury term: well below anything not buried
LOWEST = -20.0  # ln(weight) for weight 0: last, whatever else it has
STORY = 0.6  # x ln(outlets): 2 outlets +0.42, 12 outlets +1.49 (cold start)
FRESH = 1.0  # x exp(-age in days / FRESH_DAYS): new +1.0, a day old +0.61
FRESH_DAYS = 2.0
PRIOR_HALF = 100  # decisions after which the priors count half as much
MAX_REASONS = 4
NOTABLE = 0.05  # a contribution smaller than this is not worth a reason


class Candidate(Protocol):
    """What ranking reads of an item (models.Item has it all)."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def summary(self) -> str | None: ...
    @property
    def published(self) -> datetime | None: ...
    @property
    def first_seen(self) -> datetime: ...


@dataclass(frozen=True)
class Preferences:
    """`[rank]` and per-source settings from sources.toml."""

    boost: tuple[str, ...] = ()
    bury: tuple[str, ...] = ()
    weights: Mapping[str, float] = field(default_factory=dict)  # source -> weight (not 1)
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # source -> tags


class Part(NamedTuple):
    """One signal's share of a score, as a person reads it. (A tuple: thousands are made
    per listing, and a tuple is made several times faster than a frozen dataclass.)"""

    value: float
    label: str
    # "source", "tag", "words", "other-words" (learned); "boost", "bury", "weight"
    # (sources.toml); "story", "fresh" (the priors)
    kind: str


@dataclass(frozen=True)
class Context:
    """Everything a score depends on besides the candidate."""

    model: Model
    prefs: Preferences
    now: datetime
    source_counts: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # picked, decided

    @property
    def prior_scale(self) -> float:
        return 1.0 / (1.0 + self.model.decisions / PRIOR_HALF)


def candidate_features(c: Candidate, prefs: Preferences) -> list[str]:
    return F.extract_features(c.title, c.summary, c.source, prefs.tags.get(c.source, ()))


def score_parts(c: Candidate, story_size: int, ctx: Context) -> list[Part]:
    """Every contribution to `c`'s score, largest first."""
    parts: list[Part] = []
    model, prefs = ctx.model, ctx.prefs
    if model.trained:
        feats = candidate_features(c, prefs)
        item_stems = F.stems(sorted({*F.words(c.title), *F.words(c.summary)}))
        parts += _learned_parts(model.contributions(feats), c.source, item_stems, ctx)
    parts += _preference_parts(c, prefs)
    parts += _prior_parts(c, story_size, ctx)
    parts.sort(key=lambda p: -abs(p.value))
    return parts


Words = tuple[set[str], set[str], set[str]]  # words, stems, tags


class FastScorer:
    """`score_parts` for thousands of candidates: the same score (to rounding) and the same
    `why`, without building every feature name: the weights are split by kind at load, and a
    candidate's words are looked up as C-level set intersections."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        kinds: dict[str, dict[str, float]] = {k: {} for k in (F.TEXT, F.STEM, F.SOURCE, F.TAG)}
        if ctx.model.trained:
            for name, value in ctx.model.weights.items():
                kind, _, rest = name.partition(":")
                table = kinds.get(kind + ":")
                if table is not None:
                    table[rest] = value
        self.word_w, self.stem_w = kinds[F.TEXT], kinds[F.STEM]
        self.source_w, self.tag_w = kinds[F.SOURCE], kinds[F.TAG]
        # Intersecting with a dict would copy its keys each time: keep them as sets.
        self.word_keys, self.stem_keys = frozenset(self.word_w), frozenset(self.stem_w)
        self.tag_keys = frozenset(self.tag_w)
        self.prior_scale = ctx.prior_scale

    def words(self, c: Candidate) -> Words:
        """Words, stems and tags: the item's features by kind (pass them to `total` and
        `score` to split each candidate's text once)."""
        text = f"{c.title or ''}\n{c.summary or ''}".casefold()
        tags = self.ctx.prefs.tags.get(c.source)
        tag_set = {t.casefold() for t in tags} if tags else set()
        return F.word_set(text), F.stem_set(text), tag_set

    def total(self, c: Candidate, story_size: int, words: Words | None = None) -> float:
        """The score alone (what ordering needs), as `score` computes it, faster."""
        ctx = self.ctx
        value = 0.0
        if ctx.model.trained:
            word_set, stem_set, tag_set = words or self.words(c)
            learned = (
                sum(map(self.word_w.__getitem__, word_set.intersection(self.word_keys)))
                + sum(map(self.stem_w.__getitem__, stem_set.intersection(self.stem_keys)))
                + self.source_w.get(c.source, 0.0)
            )
            if tag_set:
                learned += sum(map(self.tag_w.__getitem__, tag_set.intersection(self.tag_keys)))
            value = learned / math.sqrt(len(word_set) + len(stem_set) + 1 + len(tag_set))
        if ctx.prefs.boost or ctx.prefs.bury or ctx.prefs.weights:
            value += sum(p.value for p in _preference_parts(c, ctx.prefs))
        scale = self.prior_scale
        if story_size > 1:
            value += scale * STORY * math.log(story_size)
        age_days = max((ctx.now - (c.published or c.first_seen)).total_seconds() / 86400, 0.0)
        return value + scale * FRESH * math.exp(-age_days / FRESH_DAYS)

    def score(
        self, c: Candidate, story_size: int, words: Words | None = None
    ) -> tuple[float, tuple[str, ...]]:
        """The score and its few reasons (`why`)."""
        ctx = self.ctx
        parts = self._learned(c, words or self.words(c)) if ctx.model.trained else []
        if ctx.prefs.boost or ctx.prefs.bury or ctx.prefs.weights:
            parts += _preference_parts(c, ctx.prefs)
        parts += _prior_parts(c, story_size, ctx)
        parts.sort(key=lambda p: -abs(p.value))
        return sum(p.value for p in parts), format_why(parts)

    def _learned(self, c: Candidate, words: Words) -> list[Part]:
        word_set, stem_set, tag_set = words
        scale = 1.0 / math.sqrt(len(word_set) + len(stem_set) + 1 + len(tag_set))
        word_w, stem_w = self.word_w, self.stem_w
        by_word = {w: word_w[w] * scale for w in word_set.intersection(self.word_keys)}
        hit_stems = stem_set.intersection(self.stem_keys)
        if hit_stems:
            named = F.stems(sorted(word_set))
            for stem in hit_stems:
                word = named[stem]
                by_word[word] = by_word.get(word, 0.0) + stem_w[stem] * scale
        source_w = self.source_w.get(c.source)
        tags = {t: self.tag_w[t] * scale for t in tag_set.intersection(self.tag_keys)}
        source_value = None if source_w is None else source_w * scale
        return _grouped_parts(by_word, tags, source_value, c.source, self.ctx)


def format_why(parts: Sequence[Part]) -> tuple[str, ...]:
    """The few reasons a person reads: the largest named signals (the sum of all the other
    words is in `rank explain`, not here: it names nothing)."""
    notable = [
        p
        for p in parts
        if p.kind != "other-words" and (abs(p.value) >= NOTABLE or p.kind in ("story", "fresh"))
    ]
    return tuple(p.label for p in notable[:MAX_REASONS])


def _learned_parts(
    contrib: Mapping[str, float], source: str, item_stems: Mapping[str, str], ctx: Context
) -> list[Part]:
    by_word: dict[str, float] = {}
    tags: dict[str, float] = {}
    source_value: float | None = None
    for feature, value in contrib.items():
        kind, _, word = feature.partition(":")
        if kind == "s":
            source_value = value
        elif kind == "g":
            tags[word] = value
        else:
            if kind == "p":  # a stem is named by the item's word that has it
                word = item_stems.get(word, word)
            by_word[word] = by_word.get(word, 0.0) + value
    return _grouped_parts(by_word, tags, source_value, source, ctx)


def _grouped_parts(
    by_word: dict[str, float],
    tags: Mapping[str, float],
    source_value: float | None,
    source: str,
    ctx: Context,
) -> list[Part]:
    """The learned contributions as a person reads them: the source (with its tags), the
    two words that pull up most, the two that pull down most, and all the other words."""
    parts: list[Part] = []
    if source_value is not None:
        # A source's tags were learned from the same decisions: say it once, as the source.
        value = source_value + sum(tags.values())
        picked, decided = ctx.source_counts.get(source, (0, 0))
        if value >= 0:
            label = f"you picked {picked} of {decided} from {source}"
        else:
            label = f"you skipped {decided - picked} of {decided} from {source}"
        parts.append(Part(value, label, "source"))
    else:
        for tag, value in tags.items():
            sign = "+" if value >= 0 else "−"
            parts.append(Part(value, f"tagged {tag} ({sign})", "tag"))
    # Ties (and float noise) broken by the word, so both scorers name the same ones.
    ranked = sorted(by_word, key=lambda w: (round(by_word[w], 9), w))
    ups = [w for w in reversed(ranked[-2:]) if by_word[w] > 0]
    downs = [w for w in ranked[:2] if by_word[w] < 0]
    rest = sum(by_word.values())
    if ups:
        value = sum(by_word[w] for w in ups)
        rest -= value
        parts.append(Part(value, f"mentions {_quoted(ups)} (+)", "words"))
    if downs:
        value = sum(by_word[w] for w in downs)
        rest -= value
        parts.append(Part(value, f"mentions {_quoted(downs)} (−)", "words"))
    if abs(rest) > 1e-9:
        label = f"its other words, like your {'picks' if rest > 0 else 'skips'}"
        parts.append(Part(rest, label, "other-words"))
    return parts


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f"'{w}'" for w in words)


def _preference_parts(c: Candidate, prefs: Preferences) -> list[Part]:
    parts: list[Part] = []
    if prefs.boost or prefs.bury:
        text = F.phrase_text(c.title, c.summary)
        parts += [
            Part(BOOST, f"mentions '{t}' (boost)", "boost")
            for t in prefs.boost
            if F.mentions(text, t)
        ]
        parts += [
            Part(BURY, f"mentions '{t}' (bury)", "bury") for t in prefs.bury if F.mentions(text, t)
        ]
    weight = prefs.weights.get(c.source)
    if weight is not None and weight != 1.0:
        value = math.log(weight) if weight > 0 else LOWEST
        parts.append(Part(value, f"{c.source} weighted ×{weight:g}", "weight"))
    return parts


def _prior_parts(c: Candidate, story_size: int, ctx: Context) -> list[Part]:
    scale = ctx.prior_scale
    parts: list[Part] = []
    if story_size > 1:
        parts.append(Part(scale * STORY * math.log(story_size), f"{story_size} outlets", "story"))
    when = c.published or c.first_seen
    age_days = max((ctx.now - when).total_seconds() / 86400, 0.0)
    fresh = scale * FRESH * math.exp(-age_days / FRESH_DAYS)
    parts.append(Part(fresh, _age_label(age_days), "fresh"))
    return parts


def _age_label(days: float) -> str:
    if days < 1:
        return "new today"
    if days < 2:
        return "a day old"
    if days < 60:
        return f"{int(days)} days old"
    return "older than two months"
