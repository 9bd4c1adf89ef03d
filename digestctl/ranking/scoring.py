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
from typing import Protocol

from digestctl.ranking import features as F
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


@dataclass(frozen=True)
class Part:
    """One signal's share of a score, as a person reads it."""

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
        parts += _learned_parts(model.contributions(feats), c.source, ctx)
    parts += _preference_parts(c, prefs)
    parts += _prior_parts(c, story_size, ctx)
    parts.sort(key=lambda p: -abs(p.value))
    return parts


def score_fast(c: Candidate, story_size: int, ctx: Context) -> tuple[float, tuple[str, ...]]:
    """The score and the few reasons `why`, without the detail of `score_parts`."""
    parts = score_parts(c, story_size, ctx)
    return sum(p.value for p in parts), format_why(parts)


def format_why(parts: Sequence[Part]) -> tuple[str, ...]:
    """The few reasons a person reads: the largest named signals (the sum of all the other
    words is in `rank explain`, not here: it names nothing)."""
    notable = [
        p
        for p in parts
        if p.kind != "other-words" and (abs(p.value) >= NOTABLE or p.kind in ("story", "fresh"))
    ]
    return tuple(p.label for p in notable[:MAX_REASONS])


def _learned_parts(contrib: Mapping[str, float], source: str, ctx: Context) -> list[Part]:
    parts: list[Part] = []
    by_word: dict[str, float] = {}
    tags: dict[str, float] = {}
    source_value: float | None = None
    for feature, value in contrib.items():
        if feature.startswith(F.SOURCE):
            source_value = value
        elif feature.startswith(F.TAG):
            tags[F.word_of(feature)] = value
        else:
            word = F.word_of(feature)
            by_word[word] = by_word.get(word, 0.0) + value
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
    # A bigram and its words say the same thing: name the phrase once, with their sum.
    for word in [w for w in by_word if " " in w]:
        for single in word.split(" "):
            if single in by_word:
                by_word[word] += by_word.pop(single)
    ups = sorted((w for w in by_word if by_word[w] > 0), key=lambda w: -by_word[w])[:2]
    downs = sorted((w for w in by_word if by_word[w] < 0), key=lambda w: by_word[w])[:2]
    rest = sum(v for w, v in by_word.items() if w not in ups and w not in downs)
    if ups:
        value = sum(by_word[w] for w in ups)
        parts.append(Part(value, f"mentions {_quoted(ups)} (+)", "words"))
    if downs:
        value = sum(by_word[w] for w in downs)
        parts.append(Part(value, f"mentions {_quoted(downs)} (−)", "words"))
    if rest:
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
