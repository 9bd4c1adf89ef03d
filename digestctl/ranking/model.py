"""The learned part of the score: a logistic regression over candidate features, trained
on this workspace's picks (1) and skips (0). Pure: examples in, weights out.

Tiny data (tens to a few thousand decisions) makes retraining on every decision cheap, so
there is no online approximation to drift: each decision refits the whole model, a few
passes of AdaGrad with L2, the classes weighted to balance (an editor skips far more than
they pick). Features are binary and each example is scaled by 1/sqrt(its feature count), so
a long summary does not outvote a short title.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MODEL_VERSION = 2  # bump when features or training change: stored models are then refit
# (2: one feature per word, no title-word features)


@dataclass(frozen=True)
class Example:
    features: Sequence[str]
    label: int  # 1 picked, 0 skipped


@dataclass(frozen=True)
class Model:
    """Weights by feature name, and how many decisions they were learned from."""

    weights: Mapping[str, float] = field(default_factory=dict)
    bias: float = 0.0
    picks: int = 0
    skips: int = 0
    version: int = MODEL_VERSION
    basis: int = 0  # decisions in the store when it was fit: another count means it is stale

    @property
    def decisions(self) -> int:
        return self.picks + self.skips

    @property
    def trained(self) -> bool:
        return self.picks > 0 and self.skips > 0

    def logit(self, features: Sequence[str]) -> float:
        """The learned log-odds, less the bias (which orders nothing)."""
        if not features:
            return 0.0
        get = self.weights.get
        return sum(get(f, 0.0) for f in features) / math.sqrt(len(features))

    def contributions(self, features: Sequence[str]) -> dict[str, float]:
        """Each feature's share of `logit`, for the ones the model knows."""
        if not features:
            return {}
        scale = 1.0 / math.sqrt(len(features))
        return {f: self.weights[f] * scale for f in features if f in self.weights}


def train(
    examples: Sequence[Example],
    *,
    epochs: int = 12,
    rate: float = 0.5,
    l2: float = 1e-3,
    max_work: int = 200_000,
    seed: int = 0,
) -> Model:
    """Fit the weights. Deterministic for the same examples in the same order.

    `max_work` bounds the feature updates of a whole fit (fewer passes over a long history),
    so that a decision stays instant after years of use.
    """
    picks = sum(1 for e in examples if e.label)
    skips = len(examples) - picks
    if not picks or not skips:
        return Model(picks=picks, skips=skips)
    # Balance the classes: each side carries half the loss.
    weight = {1: len(examples) / (2 * picks), 0: len(examples) / (2 * skips)}
    rows = [(list(e.features), 1.0 / math.sqrt(max(len(e.features), 1)), e.label) for e in examples]
    size = sum(len(r[0]) for r in rows) or 1
    passes = max(2, min(epochs, max_work // size))
    w: dict[str, float] = {}
    g2: dict[str, float] = {}
    bias = 0.0
    bias_g2 = 1e-8
    order = list(range(len(rows)))
    rng = random.Random(seed)
    decay = 1.0 - rate * l2
    for _ in range(passes):
        rng.shuffle(order)
        for i in order:
            feats, x, y = rows[i]
            z = bias + x * sum(w.get(f, 0.0) for f in feats)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            g = (p - y) * weight[y]
            bias_g2 += g * g
            bias -= rate * g / math.sqrt(bias_g2)
            gx = g * x
            gg = gx * gx
            for f in feats:
                acc = g2.get(f, 1e-8) + gg
                g2[f] = acc
                w[f] = w.get(f, 0.0) - rate * gx / math.sqrt(acc)
        for f in w:
            w[f] *= decay
    kept = {f: v for f, v in w.items() if abs(v) >= 1e-4}
    return Model(kept, bias, picks, skips)


class ModelDamaged(ValueError):
    """The stored model cannot be read back: ranking falls back to the cold-start order."""


def dump_model(model: Model, *, trained_at: str) -> tuple[dict[str, str], dict[str, float]]:
    """The model as rows for the store: a few meta values, and one row per weight."""
    meta = {
        "version": str(model.version),
        "bias": repr(model.bias),
        "picks": str(model.picks),
        "skips": str(model.skips),
        "basis": str(model.basis),
        "trained_at": trained_at,
    }
    return meta, dict(model.weights)


def load_model(meta: Mapping[str, object], rows: Sequence[tuple[object, object]]) -> Model | None:
    """The model from its stored rows; None when none is stored, or it was made by another
    version of the model (it is then rebuilt from the decisions). ModelDamaged when the rows
    cannot be a model: a value of the wrong type, not finite, or missing."""
    if not meta and not rows:
        return None
    try:
        version = int(str(meta["version"]))
        if version != MODEL_VERSION:
            return None
        bias = _finite(meta["bias"])
        picks, skips = int(str(meta["picks"])), int(str(meta["skips"]))
        basis = int(str(meta["basis"]))
    except (KeyError, ValueError) as e:
        raise ModelDamaged(f"bad model header ({e})") from None
    if min(picks, skips, basis) < 0:
        raise ModelDamaged("bad model header (negative counts)")
    weights: dict[str, float] = {}
    for feature, value in rows:
        if not isinstance(feature, str) or not feature:
            raise ModelDamaged(f"bad feature name {feature!r}")
        try:
            weights[feature] = _finite(value)
        except ValueError:
            raise ModelDamaged(f"bad weight {value!r} for {feature!r}") from None
    return Model(weights, bias, picks, skips, version, basis)


def _finite(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"not finite: {value!r}")
    return number
