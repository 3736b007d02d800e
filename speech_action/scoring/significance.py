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

import bisect
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from speech_action.scoring.wer import ScoringInputError, UtteranceCounts

__all__ = ["DEFAULT_RESAMPLES", "DEFAULT_SEED", "Significance", "paired_bootstrap"]

DEFAULT_RESAMPLES = 1000
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
    pooled = _pooled(benchmark, candidate)
    total_words = sum(words * count for (_, words), count in pooled.items())
    total_diff = sum(diff * count for (diff, _), count in pooled.items())
    delta = 100 * total_diff / total_words if total_words else 0.0
    tables = {count: PoissonTable(count) for count in set(pooled.values())}
    groups = [_Group(diff, words, tables[count]) for (diff, words), count in sorted(pooled.items())]
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


class _Group(NamedTuple):
    diff: int
    words: int
    table: PoissonTable


def _resampled_gain(groups: Sequence[_Group], rng: random.Random) -> float | None:
    diff_sum = 0
    word_sum = 0
    for diff, words, table in groups:
        weight = table.draw(rng)
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


class PoissonTable:
    """Draws from Poisson(lam) by inversion: one uniform number and a binary search in
    the cumulative distribution, tabulated once over lam +/- 12 standard deviations
    (the tails beyond carry less than 1e-30). Exact to float precision and cheap to
    draw from, which matters in a loop of groups x resamples."""

    def __init__(self, lam: float) -> None:
        if lam <= 0:
            raise ValueError(f"Poisson mean must be positive, got {lam}")
        spread = 12 * math.sqrt(lam) + 12
        self.offset = max(0, math.floor(lam - spread))
        log_lam = math.log(lam)
        cdf: list[float] = []
        total = 0.0
        for k in range(self.offset, math.ceil(lam + spread) + 1):
            # Log space: exp(-lam) alone underflows to 0 for lam > 745.
            total += math.exp(k * log_lam - lam - math.lgamma(k + 1))
            cdf.append(total)
        self._cdf = cdf
        self._total = total

    def draw(self, rng: random.Random) -> int:
        return self.offset + bisect.bisect_right(self._cdf, rng.random() * self._total)
