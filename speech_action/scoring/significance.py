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
from operator import mul, sub

from speech_action.scoring.wer import ScoringInputError, UtteranceCounts

__all__ = [
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "Significance",
    "bootstrap_columns",
    "paired_bootstrap",
]

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
    _check_paired(len(benchmark), len(candidate))
    return bootstrap_columns(
        [b.errors for b in benchmark],
        [c.errors for c in candidate],
        [b.reference_words for b in benchmark],
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )


def bootstrap_columns(
    benchmark_errors: Sequence[int],
    candidate_errors: Sequence[int],
    reference_words: Sequence[int],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    confidence: float = 0.95,
) -> Significance:
    """`paired_bootstrap` on columns of ints: the errors of each model and the reference
    words of each utterance (same order), as `ModelResult` keeps them."""
    _check_paired(len(benchmark_errors), len(candidate_errors))
    pooled = Counter(
        zip(map(sub, benchmark_errors, candidate_errors), reference_words, strict=True)
    )
    total_words = sum(words * count for (_, words), count in pooled.items())
    total_diff = sum(diff * count for (diff, _), count in pooled.items())
    delta = 100 * total_diff / total_words if total_words else 0.0
    gains = _resampled_gains(pooled, resamples, random.Random(seed))
    lower, upper = _percentile_interval(gains, confidence, default=delta)
    return Significance(
        delta_points=delta,
        lower_points=lower,
        upper_points=upper,
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )


def _check_paired(benchmark: int, candidate: int) -> None:
    if benchmark != candidate:
        raise ScoringInputError(
            f"paired test needs the same utterances for both models, got "
            f"{benchmark} and {candidate}: pair them with pair_utterances"
        )


def _resampled_gains(
    pooled: Counter[tuple[int, int]], resamples: int, rng: random.Random
) -> list[float]:
    """The WER gain of each resample, in points.

    Each group (a distinct (error difference, reference words) pair, `count` utterances)
    weighs `offset + bisect_right(cdf, u * total)` for one uniform `u`: Poisson(count)
    by inversion (`PoissonTable`). The uniforms are drawn one per group in sorted group
    order, as in a plain loop; the inversion and the weighted sums run in `map`, so a
    resample costs no Python-level work per group.
    """
    keys = sorted(pooled)
    tables = {count: PoissonTable(count) for count in set(pooled.values())}
    group_tables = [tables[pooled[key]] for key in keys]
    diffs = [diff for diff, _ in keys]
    words = [count for _, count in keys]
    cdfs = [table.cdf for table in group_tables]
    totals = [table.total for table in group_tables]
    offsets = [table.offset for table in group_tables]
    # weight = offset + index: the offsets' share of both sums is the same every time.
    diff_base = sum(map(mul, diffs, offsets))
    word_base = sum(map(mul, words, offsets))
    uniform = rng.random
    groups = range(len(keys))
    gains: list[float] = []
    for _ in range(resamples):
        draws = [uniform() for _ in groups]
        indexes = list(map(bisect.bisect_right, cdfs, map(mul, draws, totals)))
        word_sum = word_base + sum(map(mul, words, indexes))
        # A resample without reference words has no WER; it is dropped (conditioning
        # on a non-empty resample), which only happens for tiny test sets.
        if word_sum:
            gains.append(100 * (diff_base + sum(map(mul, diffs, indexes))) / word_sum)
    return gains


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
        self.cdf = cdf
        self.total = total

    def draw(self, rng: random.Random) -> int:
        return self.offset + bisect.bisect_right(self.cdf, rng.random() * self.total)
