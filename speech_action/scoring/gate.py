"""The gate: did the new model improve enough over the benchmark? (pure)

Rule (product contract): improved when the gain `benchmark WER - WER` is above zero and
at least `min-improvement`, and, with `require-significance`, significant (the 95 %
interval of the gain lies above zero). The decision uses the service's WERs; all WERs
here are in percent (6.5 means 6.50 %), like the action's outputs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from speech_action.errors import shown
from speech_action.rounding import exact, fixed
from speech_action.scoring.significance import Significance

__all__ = [
    "TOLERANCE",
    "GateDecision",
    "GateScores",
    "GuardDecision",
    "MinImprovement",
    "WerAmount",
    "decide",
    "parse_amount",
    "parse_min_improvement",
]

# Float comparisons of WERs with two decimals (6.5 - 6.2 = 0.2999999999999998)
# must not turn "exactly the required gain" into a failure.
TOLERANCE = 1e-9
_AMOUNT = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<percent>%?)\s*$")


@dataclass(frozen=True)
class WerAmount:
    """WER points, or percent of a benchmark WER when `relative`: the shape of
    `min-improvement` and of a guard set's `max-regression` (`guard.MaxRegression`)."""

    value: float = 0.0
    relative: bool = False

    def points(self, benchmark_wer_percent: float) -> float:
        """The amount in WER points for a benchmark of `benchmark_wer_percent`."""
        if self.relative:
            return benchmark_wer_percent * self.value / 100
        return self.value

    def described(self, benchmark_wer_percent: float, *, whose: str = "the") -> str:
        """The amount for a reason text: "1.00 points", or "5% of the benchmark WER
        20.00 % = 1.00 points" (`whose` benchmark: "the", "its")."""
        points = fixed(self.points(benchmark_wer_percent))
        if self.relative:
            return (f"{self} of {whose} benchmark WER {fixed(benchmark_wer_percent)} % = "
                    f"{points} points")
        return f"{points} points"

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.relative else f"{self.value:g}"


def parse_amount(value: str) -> tuple[float, bool] | None:
    """`"0.5"` -> (0.5, False), `"5%"` -> (5.0, True); None for anything else, a number
    too long to be finite included (`speech.yml` is a pull request's to write)."""
    match = _AMOUNT.match(value)
    if match is None or not math.isfinite(number := float(match["number"])):
        return None
    return number, bool(match["percent"])


@dataclass(frozen=True)
class MinImprovement(WerAmount):
    """`min-improvement`: what the gating set's WER must fall by."""


def parse_min_improvement(value: str | float) -> MinImprovement:
    """`"0.5"` -> 0.5 points, `"5%"` -> 5 % of the benchmark WER, `"0"` -> any strict gain.

    A number is taken as points. Anything else is a `ValueError` that says what to write;
    the caller names the setting it came from.
    """
    if isinstance(value, bool):
        raise _error(str(value).lower())
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise _error(str(value))
        return MinImprovement(float(value))
    amount = parse_amount(value)
    if amount is None:
        raise _error(value)
    number, relative = amount
    if relative and number > 100:
        raise _error(value, "a relative improvement above 100% cannot be reached")
    return MinImprovement(number, relative)


def _error(value: str, why: str = "") -> ValueError:
    detail = f" ({why})" if why else ""
    return ValueError(
        f"{shown(value)!r} is not a valid minimum improvement{detail}. "
        "Use WER points such as 0.5, a percentage of the benchmark WER such as 5%, "
        "or 0 for any strict improvement."
    )


@dataclass(frozen=True)
class GuardDecision:
    """One guard set's outcome (`guard.guard`): `regression_points` is `wer - benchmark
    wer` (positive: worse), `allowed_points` what its `max-regression` allows."""

    test_set: str
    passed: bool
    regression_points: float
    allowed_points: float
    max_regression: str
    reason: str


@dataclass(frozen=True)
class GateDecision:
    """The outcome and the rule that made it, in words (`reason`)."""

    improved: bool
    reason: str
    gain_points: float
    required_points: float
    min_improvement: str
    significance_required: bool = False
    significant: bool | None = None
    guards: tuple[GuardDecision, ...] = ()
    """The guard sets' decisions (`guard.apply_guards`); `improved` includes them."""
    gating_improved: bool | None = None
    """With guard sets: whether the gating set alone met its rule (None: no guards, so
    `improved` says it)."""


@dataclass(frozen=True)
class GateScores:
    """The two WERs the gate compares (percent), checked when made: a missing, non-finite
    or negative WER cannot be turned into a decision (the gate fails closed)."""

    benchmark_wer_percent: float
    wer_percent: float

    def __post_init__(self) -> None:
        for name, value in (("benchmark WER", self.benchmark_wer_percent),
                            ("WER", self.wer_percent)):
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"the gate needs a finite {name} of 0 or more, got {value!r}")


def decide(
    scores: GateScores,
    min_improvement: MinImprovement,
    *,
    require_significance: bool = False,
    significance: Significance | None = None,
) -> GateDecision:
    """Apply the gate rule to the service's WERs (percent)."""
    benchmark_wer_percent, wer_percent = scores.benchmark_wer_percent, scores.wer_percent
    gain = benchmark_wer_percent - wer_percent
    required = min_improvement.points(benchmark_wer_percent)
    enough = gain > TOLERANCE and gain >= required - TOLERANCE
    reason = _gain_reason(benchmark_wer_percent, wer_percent, gain, required, min_improvement)
    significant = None if significance is None else significance.significant
    improved = enough
    if require_significance and enough:
        improved = bool(significant)
        reason += "; " + _significance_reason(significance)
    return GateDecision(
        improved=improved,
        reason=reason,
        gain_points=gain,
        required_points=required,
        min_improvement=str(min_improvement),
        significance_required=require_significance,
        significant=significant,
    )


def _gain_reason(
    benchmark: float, wer: float, gain: float, required: float, rule: MinImprovement
) -> str:
    wanted = ("any strict improvement" if rule.value == 0 else
              f"at least {rule.described(benchmark)}")
    if abs(gain) <= TOLERANCE:
        return f"WER did not change ({fixed(wer)} %) (required: {wanted})"
    direction = "fell" if gain > 0 else "rose"
    change = fixed(abs(exact(benchmark) - exact(wer)))
    moved = f"WER {direction} {change} points, from {fixed(benchmark)} % to {fixed(wer)} %"
    if gain > 0 and gain < required - TOLERANCE:
        return f"{moved}: less than required (required: {wanted})"
    return f"{moved} (required: {wanted})"


def _significance_reason(significance: Significance | None) -> str:
    if significance is None:
        return "significance was required but could not be computed (no utterance results)"
    if significance.significant:
        return f"the gain is significant ({significance.describe()})"
    return f"the gain is not significant: {significance.describe()} includes zero or less"
