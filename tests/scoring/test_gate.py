"""The gate rule and the parsing of `min-improvement`."""

from __future__ import annotations

import math

import pytest

from speech_action.report import WerChange
from speech_action.scoring import (
    GateScores,
    MaxRegression,
    MinImprovement,
    Significance,
    decide,
    guard,
    parse_min_improvement,
)


def _sig(lower: float, upper: float) -> Significance:
    return Significance(
        delta_points=(lower + upper) / 2,
        lower_points=lower,
        upper_points=upper,
        confidence=0.95,
        resamples=1000,
        seed=1,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", MinImprovement(0.0)),
        ("0.5", MinImprovement(0.5)),
        (" 1.25 ", MinImprovement(1.25)),
        (".5", MinImprovement(0.5)),
        ("2.", MinImprovement(2.0)),
        ("5%", MinImprovement(5.0, relative=True)),
        ("5 %", MinImprovement(5.0, relative=True)),
        ("0%", MinImprovement(0.0, relative=True)),
        ("100%", MinImprovement(100.0, relative=True)),
        (0.5, MinImprovement(0.5)),
        (2, MinImprovement(2.0)),
    ],
)
def test_parse_valid(text: str | float, expected: MinImprovement) -> None:
    assert parse_min_improvement(text) == expected


@pytest.mark.parametrize(
    "text", ["", " ", "-1", "abc", "5%%", "%", "1e3", "0.5 points", "nan", "101%", "1,5", "+1"]
)
def test_parse_invalid_says_what_to_write(text: str) -> None:
    # A plain ValueError: config names the input it came from (tests/config).
    with pytest.raises(ValueError, match="not a valid minimum improvement") as info:
        parse_min_improvement(text)
    assert "0.5" in str(info.value) and "5%" in str(info.value)


@pytest.mark.parametrize("value", [-0.5, float("inf"), float("nan"), True])
def test_parse_invalid_numbers(value: float) -> None:
    with pytest.raises(ValueError):
        parse_min_improvement(value)


def test_points_rule_met() -> None:
    decision = decide(GateScores(8.2, 5.1), parse_min_improvement("0.5"))
    assert decision.improved
    assert decision.gain_points == pytest.approx(3.1)
    assert decision.reason == (
        "WER fell 3.10 points, from 8.20 % to 5.10 % (required: at least 0.50 points)"
    )


def test_points_rule_not_met() -> None:
    decision = decide(GateScores(6.5, 6.2), parse_min_improvement("0.5"))
    assert not decision.improved
    assert decision.reason == (
        "WER fell 0.30 points, from 6.50 % to 6.20 %: less than required "
        "(required: at least 0.50 points)"
    )


def test_exactly_the_required_gain_counts_despite_float_error() -> None:
    assert 6.5 - 6.2 < 0.3  # the float trap the gate must not fall into
    assert decide(GateScores(6.5, 6.2), parse_min_improvement("0.3")).improved
    assert decide(GateScores(0.3, 0.2), parse_min_improvement("0.1")).improved


def test_percent_rule_is_relative_to_the_benchmark() -> None:
    met = decide(GateScores(10.0, 9.5), parse_min_improvement("5%"))
    assert met.improved
    assert met.required_points == pytest.approx(0.5)
    assert met.reason == (
        "WER fell 0.50 points, from 10.00 % to 9.50 % "
        "(required: at least 5% of the benchmark WER 10.00 % = 0.50 points)"
    )
    assert not decide(GateScores(10.0, 9.6), parse_min_improvement("5%")).improved


def test_zero_means_any_strict_improvement() -> None:
    assert decide(GateScores(6.5, 6.49), parse_min_improvement("0")).improved
    same = decide(GateScores(6.5, 6.5), parse_min_improvement("0"))
    assert not same.improved
    assert same.reason == "WER did not change (6.50 %) (required: any strict improvement)"


def test_worse_is_never_improved() -> None:
    decision = decide(GateScores(6.0, 7.25), parse_min_improvement("0"))
    assert not decision.improved
    assert decision.gain_points == pytest.approx(-1.25)
    assert decision.reason.startswith("WER rose 1.25 points, from 6.00 % to 7.25 %")


def test_significance_required_and_met() -> None:
    decision = decide(
        GateScores(8.0, 6.0), MinImprovement(0.5), require_significance=True,
        significance=_sig(0.8, 3.1),
    )
    assert decision.improved and decision.significant
    assert decision.reason.endswith(
        "; the gain is significant (95 % interval of the gain: +0.80 to +3.10 points)"
    )


def test_significance_required_and_missed() -> None:
    decision = decide(
        GateScores(8.0, 6.0), MinImprovement(0.5), require_significance=True,
        significance=_sig(-0.2, 3.1),
    )
    assert not decision.improved
    assert decision.significant is False
    assert "not significant" in decision.reason and "-0.20 to +3.10" in decision.reason


def test_significance_required_but_unavailable_fails_closed() -> None:
    decision = decide(GateScores(8.0, 6.0), MinImprovement(0.5), require_significance=True)
    assert not decision.improved
    assert "could not be computed" in decision.reason


def test_significance_not_required_is_only_recorded() -> None:
    decision = decide(GateScores(8.0, 7.0), MinImprovement(0.5), significance=_sig(-1.0, 2.0))
    assert decision.improved
    assert decision.significant is False
    assert "significant" not in decision.reason


def test_min_improvement_is_recorded_as_typed() -> None:
    assert decide(GateScores(8, 7), parse_min_improvement("5%")).min_improvement == "5%"
    assert decide(GateScores(8, 7), parse_min_improvement("0.5")).min_improvement == "0.5"


@pytest.mark.parametrize("wer", [math.nan, math.inf, -math.inf, -0.1])
def test_gate_scores_refuse_what_cannot_be_compared(wer: float) -> None:
    # Fail closed (product contract, "Gate and deploy integrity"): no decision on a WER
    # that is not a finite rate of 0 or more, on either side.
    with pytest.raises(ValueError, match="finite"):
        GateScores(6.5, wer)
    with pytest.raises(ValueError, match="finite"):
        GateScores(wer, 6.5)


def test_the_reason_rounds_like_the_summary() -> None:
    """`f"{10.125:.2f}"` is 10.12 (the float is exact, rounded half to even); the summary
    shows 10.13 (report.figures: half away from zero). The reason says what the summary
    says, also for a guard set."""
    reason = decide(GateScores(10.125, 5.0), MinImprovement(0)).reason
    assert "fell 5.13 points, from 10.13 % to 5.00 %" in reason
    assert "10.13 % \u2192 5.00 % (-5.13 points" in WerChange(10.125, 5.0).describe()
    assert "rose 0.13 points, from 2.00 % to 2.13 %" in guard(
        "general", GateScores(2.0, 2.125), MaxRegression()).reason
