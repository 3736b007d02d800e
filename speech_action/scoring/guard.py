"""The guard sets: a test set other than the gating one may get worse by at most its
`max-regression` (pure).

Rule (product contract, "Test sets"): improved when the gating set meets `min-improvement`
(`gate.decide`) and each guard set gets worse by no more than its `max-regression`: WER
points, or `N%` of that set's benchmark WER; the default 0 means it must not get worse at
all. Like the gate, a guard uses the service's WERs of one evaluation (`GateScores`, which
refuses a missing, non-finite or negative WER: a guard fails closed too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from speech_action.errors import shown
from speech_action.rounding import exact, fixed
from speech_action.scoring.gate import (
    TOLERANCE,
    GateDecision,
    GateScores,
    GuardDecision,
    WerAmount,
    parse_amount,
)

__all__ = ["GuardDecision", "MaxRegression", "apply_guards", "guard", "parse_max_regression"]


@dataclass(frozen=True)
class MaxRegression(WerAmount):
    """`max-regression` of a guard set: how much its WER may rise (default 0: none)."""


def parse_max_regression(value: str) -> MaxRegression:
    """`"0.5"` -> 0.5 points, `"5%"` -> 5 % of the set's benchmark WER, `"0"` -> no worse.

    Anything else is a `ValueError` that says what to write; the caller names the file,
    line and set.
    """
    amount = parse_amount(value)
    if amount is None:
        raise ValueError(
            f"{shown(value)!r} is not a valid max-regression. Use WER points such as 0.5, a "
            "percentage of the set's benchmark WER such as 5%, or 0 (it must not get worse)."
        )
    return MaxRegression(*amount)


def guard(test_set: str, scores: GateScores, max_regression: MaxRegression) -> GuardDecision:
    """Whether the guard set `test_set` stayed within `max_regression` (service WERs)."""
    regression = scores.wer_percent - scores.benchmark_wer_percent
    allowed = max_regression.points(scores.benchmark_wer_percent)
    passed = regression <= allowed + TOLERANCE
    rule = ("the allowed regression of none" if max_regression.value == 0 else
            f"the allowed {max_regression.described(scores.benchmark_wer_percent, whose='its')}")
    before, after = fixed(scores.benchmark_wer_percent), fixed(scores.wer_percent)
    change = fixed(abs(exact(scores.wer_percent) - exact(scores.benchmark_wer_percent)))
    if regression > TOLERANCE:
        moved = f"WER rose {change} points, from {before} % to {after} %"
    elif regression < -TOLERANCE:
        moved = f"WER fell {change} points, from {before} % to {after} %"
    else:
        moved = f"WER did not change ({after} %)"
    verdict = "within" if passed else "more than"
    return GuardDecision(test_set=test_set, passed=passed, regression_points=regression,
                         allowed_points=allowed, max_regression=str(max_regression),
                         reason=f"{test_set}: {moved}, {verdict} {rule}")


def apply_guards(gate: GateDecision, guards: Sequence[GuardDecision],
                 gating_set: str = "") -> GateDecision:
    """The gating set's decision with the guard sets': improved only when the gating set
    (named `gating_set`) improved and every guard passed. The reason names each guard set
    that blocked."""
    if not guards:
        return gate
    blocked = [g for g in guards if not g.passed]
    reason = f"{gating_set}: {gate.reason}" if gating_set else gate.reason
    if blocked:
        reason += "; blocked by " + "; ".join(g.reason for g in blocked)
    else:
        names = ", ".join(g.test_set for g in guards)
        reason += f"; guard set(s) {names} within their max-regression"
    return replace(gate, improved=gate.improved and not blocked, reason=reason,
                   guards=tuple(guards), gating_improved=gate.improved)
