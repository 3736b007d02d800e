"""Paired bootstrap of the WER gain: determinism, and the constructed cases."""

from __future__ import annotations

import random
import statistics

import pytest

from speech_action.scoring import ScoringInputError, UtteranceCounts, paired_bootstrap
from speech_action.scoring.significance import PoissonTable


def _utt(errors: int, words: int) -> UtteranceCounts:
    return UtteranceCounts(substitutions=errors, deletions=0, insertions=0, hits=words - errors)


def test_tiny_gain_on_five_utterances_is_not_significant() -> None:
    benchmark = [_utt(1, 10), _utt(0, 10), _utt(2, 10), _utt(0, 10), _utt(1, 10)]
    candidate = [_utt(0, 10), _utt(0, 10), _utt(2, 10), _utt(0, 10), _utt(1, 10)]
    result = paired_bootstrap(benchmark, candidate)
    assert result.delta_points == pytest.approx(2.0)  # 4/50 -> 3/50
    assert result.lower_points <= 0 < result.upper_points
    assert not result.significant


def test_large_gain_on_200_utterances_is_significant() -> None:
    rng = random.Random(7)
    benchmark, candidate = [], []
    for _ in range(200):
        words = rng.randint(5, 20)
        errors = rng.randint(1, 4)
        benchmark.append(_utt(errors, words))
        candidate.append(_utt(max(0, errors - rng.choice((0, 1, 2))), words))
    result = paired_bootstrap(benchmark, candidate)
    assert result.delta_points > 5
    assert result.lower_points > 0
    assert result.significant


def test_regression_is_not_significant_improvement() -> None:
    benchmark = [_utt(0, 10)] * 200
    candidate = [_utt(2, 10)] * 200
    result = paired_bootstrap(benchmark, candidate)
    assert result.delta_points == pytest.approx(-20.0)
    assert result.upper_points < 0
    assert not result.significant


def test_same_seed_same_interval_other_seed_close() -> None:
    rng = random.Random(1)
    benchmark = [_utt(rng.randint(0, 3), 12) for _ in range(300)]
    candidate = [_utt(max(0, b.errors - rng.randint(0, 1)), 12) for b in benchmark]
    first = paired_bootstrap(benchmark, candidate, seed=42)
    assert paired_bootstrap(benchmark, candidate, seed=42) == first
    other = paired_bootstrap(benchmark, candidate, seed=43)
    assert other != first
    assert other.lower_points == pytest.approx(first.lower_points, abs=0.5)
    assert (first.resamples, first.seed, first.confidence) == (1000, 42, 0.95)


def test_interval_matches_the_normal_approximation_on_a_large_set() -> None:
    # With many utterances the bootstrap interval approaches delta +/- 1.96 SE.
    rng = random.Random(3)
    diffs = [rng.choice((-1, 0, 0, 1, 1, 2)) for _ in range(2000)]
    benchmark = [_utt(2 + d if d > 0 else 2, 10) for d in diffs]
    candidate = [_utt(2 - d if d < 0 else 2, 10) for d in diffs]
    result = paired_bootstrap(benchmark, candidate, resamples=2000)
    per_utt = [(b.errors - c.errors) / 10 * 100 for b, c in zip(benchmark, candidate, strict=True)]
    se = statistics.stdev(per_utt) / len(per_utt) ** 0.5
    assert result.lower_points == pytest.approx(
        result.delta_points - 1.96 * se, abs=0.15 * se + 0.01
    )
    assert result.upper_points == pytest.approx(
        result.delta_points + 1.96 * se, abs=0.15 * se + 0.01
    )


def test_identical_models_have_a_zero_interval() -> None:
    counts = [_utt(1, 5)] * 10
    result = paired_bootstrap(counts, counts)
    assert (result.delta_points, result.lower_points, result.upper_points) == (0.0, 0.0, 0.0)
    assert not result.significant


def test_no_reference_words_gives_zero_delta() -> None:
    empty = UtteranceCounts(0, 0, 1, 0)
    result = paired_bootstrap([empty], [UtteranceCounts(0, 0, 0, 0)])
    assert result.delta_points == 0.0
    assert not result.significant


def test_no_utterances() -> None:
    result = paired_bootstrap([], [])
    assert result.delta_points == 0.0 and not result.significant


def test_unpaired_input_is_an_error() -> None:
    with pytest.raises(ScoringInputError, match="same utterances"):
        paired_bootstrap([_utt(0, 1)], [])


def test_describe() -> None:
    result = paired_bootstrap([_utt(3, 10)] * 50, [_utt(1, 10)] * 50)
    assert result.describe() == "95 % interval of the gain: +20.00 to +20.00 points"


@pytest.mark.parametrize("lam", [1, 4, 60, 2000])
def test_poisson_table_moments(lam: int) -> None:
    table = PoissonTable(lam)
    rng = random.Random(11)
    draws = [table.draw(rng) for _ in range(20_000)]
    assert statistics.fmean(draws) == pytest.approx(lam, rel=0.03)
    assert statistics.variance(draws) == pytest.approx(lam, rel=0.08)
    assert min(draws) >= 0


def test_poisson_table_rejects_non_positive_mean() -> None:
    with pytest.raises(ValueError, match="positive"):
        PoissonTable(0)
