"""Is the WER difference between two models on the same utterances real?

A paired bootstrap over utterances: resample the test set, recompute the WER difference
of the two models on each resample (both models see the same resampled utterances, so
the pairing is kept), and read the 95 % interval off the resampled differences. The gain
is significant when the whole interval lies above zero.

To stay fast on large test sets without numpy, it is the Poisson bootstrap (each
utterance weighs Poisson(1) instead of being drawn n times; Hanley & MacGibbon 2006),
and utterances with the same (error difference, reference words) are pooled: the sum of
c independent Poisson(1) weights is one Poisson(c) draw. A resample then costs one
draw per distinct pair (a few hundred at most), not one per utterance. The seed is
fixed, so a re-run gives the same interval.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from speech_action.scoring.wer import ScoringInputError, UtteranceCounts

__all__ = ["DEFAULT_RESAMPLES", "DEFAULT_SEED", "Significance", "paired_bootstrap"]

DEFAULT_RESAMPLES = 2000
DEFAULT_SEED = 20240607
METHOD = "paired Poisson bootstrap over utterances"


@dataclass(frozen=True)
class Significance:
    """The WER gain (benchmark WER - candidate WER, in points: positive is better) and
    its `confidence` interval. `significant` means the interval lies above zero."""

    delta_points: float
    lower_points: float
    upper_points: float
    confidence: float
    resamples: int
    seed: int
    method: str = METHOD

    @property
    def significant(self) -> bool:
        return self.lower_points > 0

    def describe(self) -> str:
        """`95 % interval of the gain: +0.40 to +2.10 points`."""
        level = f"{self.confidence * 100:g} %"
        return (
            f"{level} interval of the gain: {self.lower_points:+.2f} to "
            f"{self.upper_points:+.2f} points"
        )


def paired_bootstrap(
    benchmark: Sequence[UtteranceCounts],
    candidate: Sequence[UtteranceCounts],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> Significance:
    """Percentile interval of the corpus WER gain from `resamples` paired resamples."""
    groups = _pooled(benchmark, candidate)
    total_words = sum(words * count for (_, words), count in groups.items())
    total_diff = sum(diff * count for (diff, _), count in groups.items())
    delta = 100 * total_diff / total_words if total_words else 0.0
    rng = random.Random(seed)
    gains = [g for g in (_resampled_gain(groups, rng) for _ in range(resamples)) if g is not None]
    lower, upper = _percentile_interval(gains, confidence, default=delta)
    return Significance(
        delta_points=delta,
        lower_points=lower,
        upper_points=upper,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def _pooled(
    benchmark: Sequence[UtteranceCounts], candidate: Sequence[UtteranceCounts]
) -> Counter[tuple[int, int]]:
    if len(benchmark) != len(candidate):
        raise ScoringInputError(
            f"paired test needs the same utterances for both models, got "
            f"{len(benchmark)} and {len(candidate)}: pair them with pair_utterances"
        )
    return Counter(
        (b.errors - c.errors, b.reference_words) for b, c in zip(benchmark, candidate, strict=True)
    )


def _resampled_gain(groups: Counter[tuple[int, int]], rng: random.Random) -> float | None:
    diff_sum = 0
    word_sum = 0
    for (diff, words), count in groups.items():
        weight = poisson(count, rng)
        diff_sum += diff * weight
        word_sum += words * weight
    # A resample without reference words has no WER; it is dropped (conditioning on a
    # non-empty resample), which only happens for tiny test sets.
    return None if word_sum == 0 else 100 * diff_sum / word_sum


def _percentile_interval(
    values: Sequence[float], confidence: float, *, default: float
) -> tuple[float, float]:
    if len(values) < 2:
        return default, default
    tail = (1 - confidence) / 2
    ordered = sorted(values)
    return _quantile(ordered, tail), _quantile(ordered, 1 - tail)


def _quantile(ordered: Sequence[float], q: float) -> float:
    # Linear interpolation between order statistics, as `statistics.quantiles(...,
    # method="inclusive")`, which only offers equal-width cut points.
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def poisson(lam: float, rng: random.Random) -> int:
    """One Poisson(lam) draw: multiplication for small lam, otherwise the PTRS
    transformed rejection of Hörmann (1993), exact and O(1) for any lam."""
    if lam <= 0:
        return 0
    if lam < 10:
        return _poisson_multiplication(lam, rng)
    return _poisson_ptrs(lam, rng)


def _poisson_multiplication(lam: float, rng: random.Random) -> int:
    limit = math.exp(-lam)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _poisson_ptrs(lam: float, rng: random.Random) -> int:
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        if us <= 0:  # u == -0.5 exactly (p = 2**-53) would divide by zero below
            continue
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        log_ratio = math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
        if log_ratio <= -lam + k * loglam - math.lgamma(k + 1):
            return k
