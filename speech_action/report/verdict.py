"""The verdict line: the first thing the summary and the comment say, and the `::notice`.

One line holds the decision, both WERs, the absolute and relative change, significance
and the rule, so nothing below has to repeat it. Its figures come from
`figures.WerChange`, like the outputs, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech_action.report.escape import escape_markdown
from speech_action.report.figures import WerChange, fixed
from speech_action.report.model import Mode, Report, ServiceScore
from speech_action.report.test_sets import gating_name, guard_change, test_sets
from speech_action.scoring import GateDecision

__all__ = ["Verdict", "verdict", "wer_change"]


@dataclass(frozen=True)
class Verdict:
    icon: str
    word: str
    """`Improved`, `Not improved`, `Benchmark measured`, `Deployed`."""
    detail: str
    """Plain text after the word; model names in it are untrusted."""

    def text(self) -> str:
        """For a log line or an annotation (no Markdown)."""
        return f"{self.word}: {self.detail}"

    def markdown(self) -> str:
        return f"{self.icon} **{self.word}**: {escape_markdown(self.detail)}"


def wer_change(report: Report) -> WerChange | None:
    """The two WERs the first line compares (the outputs' `benchmark-wer` and `wer`)."""
    if report.mode is Mode.DEPLOY:
        deployment = report.deployment
        if deployment is None or deployment.deployed.wer_percent is None:
            return None
        if deployment.benchmark_wer_percent is None:
            return None
        return WerChange(deployment.benchmark_wer_percent, deployment.deployed.wer_percent)
    if report.benchmark_service is None or report.candidate_service is None:
        return None
    return WerChange(report.benchmark_service.wer_percent, report.candidate_service.wer_percent)


def verdict(report: Report) -> Verdict:
    if report.mode is Mode.DEPLOY:
        return _deployed(report)
    change = wer_change(report)
    if report.mode is Mode.BENCHMARK_TEST or change is None or report.gate is None:
        return _measured(report)
    gate = report.gate
    parts = [change.describe(), _significance(report)]
    detail = ", ".join(p for p in parts if p) + f"; {_rule(gate)}"
    if report.guard_sets:
        detail = f"{gating_name(report)}: {detail}{_guards(report)}"
    detail += "."
    if gate.improved:
        return Verdict("\u2705", "Improved", detail)
    return Verdict("\u274c", "Not improved", detail)


def _measured(report: Report) -> Verdict:
    model = report.benchmark_model.name
    shown = _wer(report.benchmark_service)
    if not report.guard_sets:
        detail = f"{shown} for {model}; new models must beat it."
    else:
        gating = gating_name(report)
        others = ", ".join(f"{s.name}: {_wer(s.benchmark_service)}" for s in report.guard_sets)
        detail = (f"{shown} on {gating} for {model} ({others}); new models must beat it on "
                  f"{gating} and stay within each guard set's max-regression.")
    return Verdict("\U0001f4cf", "Benchmark measured", detail)


def _wer(score: ServiceScore | None) -> str:
    return "no WER" if score is None else f"WER {fixed(score.wer_percent)} %"


def _guards(report: Report) -> str:
    """Each guard set that blocked, with its change and allowance; or that they held."""
    blocked, held = [], []
    for test_set in test_sets(report)[1:]:
        guard = test_set.guard
        if guard is None:
            continue
        figures = f"WER {guard_change(test_set)} points, allowed {fixed(guard.allowed_points)}"
        if guard.passed:
            held.append((guard.test_set, figures))
        else:
            blocked.append(f"{guard.test_set}: {figures}")
    if blocked:
        text = "; blocked by " + ", and by ".join(blocked)
        return text + "".join(f"; {name} held" for name, _ in held)
    if held:
        return "; guards held: " + ", ".join(f"{name} ({figures})" for name, figures in held)
    return ""


def _significance(report: Report) -> str:
    sig = report.significance
    if sig is None:
        return "" if report.utterances else "significance not computed (no per-utterance results)"
    level = f"{sig.confidence * 100:g} %"
    return f"significant at {level}" if sig.significant else f"not significant at {level}"


def _rule(gate: GateDecision) -> str:
    """The requirement the gate applied, with the figures formatted like the line's."""
    if gate.required_points <= 0:
        rule = "required: any decrease"
    elif gate.min_improvement.endswith("%"):
        rule = (f"required: a decrease of at least {fixed(gate.required_points)} points "
                f"({gate.min_improvement} of the benchmark WER)")
    else:
        rule = f"required: a decrease of at least {fixed(gate.required_points)} points"
    if gate.significance_required:
        rule += " and significance"
    return rule


def _deployed(report: Report) -> Verdict:
    deployment = report.deployment
    if deployment is None:
        return Verdict("\U0001f680", "Deployed", f"{report.model_under_test.name}.")
    where = f"{deployment.deployed.name} to endpoint {deployment.endpoint_name}"
    change = wer_change(report)
    if change is not None:
        return Verdict("\U0001f680", "Deployed",
                       f"{where}: {change.describe()} at its gate.")
    wer = deployment.deployed.wer_percent
    if wer is not None:
        return Verdict("\U0001f680", "Deployed", f"{where}: WER {fixed(wer)} %.")
    return Verdict("\U0001f680", "Deployed", f"{where}; no WER is recorded for it.")
