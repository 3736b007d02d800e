"""Several test sets (issue #16): the gating set and the guard sets side by side.

The gating set's figures are the report's own fields; every other set is a
`TestSetResult`. `test_sets(report, analysis)` puts them in one shape, the gating set
first, so the table, the per-utterance sections and the charts treat every set alike.
The "Test sets" table says per set what the first line says for all: both WERs, the
change (signed like the first line: negative is better), the rule that applied
(min-improvement for the gating set, max-regression for a guard) and its outcome.
A report without guard sets has no table (its one set is the whole report), except in
deploy, where the table lists the per-set WERs the records hold for both models.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech_action.report.analysis import Analysis
from speech_action.report.escape import code_cell, escape_markdown
from speech_action.report.figures import WerChange, fixed, signed
from speech_action.report.model import DeployedModel, Mode, Report, ServiceScore
from speech_action.scoring import Comparison, GateDecision, GuardDecision
from speech_action.scoring.gate import parse_amount

__all__ = ["TestSet", "gating_met", "gating_name", "guard_change", "table", "test_sets"]

NONE = "\u2014"


def gating_name(report: Report) -> str:
    """The gating set's name as configured ("gating set" in reports that name none)."""
    return report.test_set or "gating set"


@dataclass(frozen=True)
class TestSet:
    """One test set of a report, gating or guard, with its recomputed comparison."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    path: str
    gating: bool
    benchmark: ServiceScore | None
    candidate: ServiceScore | None
    comparison: Comparison | None
    max_regression: str = "0"
    guard: GuardDecision | None = None

    @property
    def label(self) -> str:
        """The name as Markdown, the gating set marked."""
        name = escape_markdown(self.name)
        return f"{name} (gating)" if self.gating else name

    @property
    def blocked(self) -> bool:
        """A guard set that got worse by more than its max-regression."""
        return self.guard is not None and not self.guard.passed

    @property
    def change(self) -> WerChange | None:
        if self.benchmark is None or self.candidate is None:
            return None
        return WerChange(self.benchmark.wer_percent, self.candidate.wer_percent)


def test_sets(report: Report, analysis: Analysis | None = None) -> list[TestSet]:
    """The gating set, then the guard sets in `speech.yml`'s order (without `analysis`,
    no comparisons: the figures alone)."""
    sets = [TestSet(gating_name(report), report.test_set_path, True, report.benchmark_service,
                    report.candidate_service, analysis.comparison if analysis else None)]
    comparisons = (analysis.guard_comparisons if analysis else ()) or \
        (None,) * len(report.guard_sets)
    for result, comparison in zip(report.guard_sets, comparisons, strict=True):
        sets.append(TestSet(result.name, result.path, False, result.benchmark_service,
                            result.candidate_service, comparison, result.max_regression,
                            result.guard))
    return sets


def gating_met(gate: GateDecision) -> bool:
    """Whether the gating set alone met its rule (`improved` includes the guards)."""
    return gate.improved if gate.gating_improved is None else gate.gating_improved


def guard_change(test_set: TestSet) -> str:
    """A guard's WER change in points, signed, rounded like the first line's."""
    change = test_set.change
    if change is not None:
        return change.change_points()
    guard = test_set.guard
    return NONE if guard is None else signed(guard.regression_points)


def table(report: Report, analysis: Analysis, *, compact: bool = False) -> str | None:
    """The "Test sets" table, or None for a report of one set; `compact` (the PR comment,
    a narrower column) leaves out the sets' paths, so the figures do not wrap."""
    if report.mode is Mode.DEPLOY:
        return _deploy_table(report)
    if not report.guard_sets:
        return None
    sets = test_sets(report, analysis)
    if report.mode is Mode.BENCHMARK_TEST:
        header = "| Test set | WER | Rule for new models |\n|---|---:|---|"
        rows = [f"| {_name_cell(s, compact)} | {_wer(s.benchmark)} | {_rule(s, None)} |"
                for s in sets]
    else:
        header = ("| Test set | Benchmark | New model | Change (points) | Rule (points) "
                  "| Verdict |\n|---|---:|---:|---:|---|---|")
        rows = [_gated_row(s, report.gate, compact) for s in sets]
    return "\n".join(["### Test sets", "", header, *rows])


def _gated_row(test_set: TestSet, gate: GateDecision | None, compact: bool) -> str:
    change = guard_change(test_set)
    cells = [_name_cell(test_set, compact), _wer(test_set.benchmark),
             _wer(test_set.candidate), change, _rule(test_set, gate, unit=""),
             _verdict(test_set, gate)]
    return "| " + " | ".join(cells) + " |"


def _name_cell(test_set: TestSet, compact: bool) -> str:
    name = f"**{escape_markdown(test_set.name)}**"
    name += " (gating)" if test_set.gating else ""
    # On a line of its own, so every row reads alike whatever the name's length.
    return f"{name}<br>{code_cell(test_set.path)}" if test_set.path and not compact else name


def _wer(score: ServiceScore | None) -> str:
    return _percent(None if score is None else score.wer_percent)


def _rule(test_set: TestSet, gate: GateDecision | None, unit: str = " points") -> str:
    """The set's rule; in train-and-gate with its figure in points (`unit` "" where the
    column says so)."""
    if test_set.gating:
        if gate is None:
            return "must improve (min-improvement)"
        if gate.required_points <= 0:
            return "min-improvement: any decrease"
        return _amount("min-improvement", gate.min_improvement, gate.required_points, unit)
    guard = test_set.guard
    if guard is not None:
        if guard.allowed_points <= 0:
            return "max-regression: none"
        return _amount("max-regression", guard.max_regression, guard.allowed_points, unit)
    configured = test_set.max_regression.strip()
    amount = parse_amount(configured)
    if amount is None:  # not from a parsed setting: shown as written
        return f"max-regression {escape_markdown(configured)}"
    points, relative = amount
    if relative:
        return f"max-regression {escape_markdown(configured)} of its benchmark WER"
    return "max-regression: none" if points <= 0 else f"max-regression {fixed(points)} points"


def _amount(setting: str, configured: str, points: float, unit: str) -> str:
    if not configured.endswith("%"):
        return f"{setting} {fixed(points)}{unit}"
    return f"{setting} {fixed(points)}{unit} ({escape_markdown(configured)} of the benchmark)"


def _verdict(test_set: TestSet, gate: GateDecision | None) -> str:
    if test_set.gating:
        if gate is None:
            return NONE
        return "\u2705 improved" if gating_met(gate) else "\u274c not improved"
    if test_set.guard is None:
        return NONE
    # The same words as the `test-sets` output's verdicts (modes/set_results.py).
    passed = test_set.guard.passed
    return "\u2705 within max-regression" if passed else "\u274c beyond max-regression"


def _deploy_table(report: Report) -> str | None:
    """The previous and the deployed model's WER on every set the records hold."""
    deployment = report.deployment
    if deployment is None:
        return None
    previous = deployment.previous or DeployedModel(name="")
    wers = (previous.test_set_wers, deployment.deployed.test_set_wers)
    gating = report.test_set
    names = list(dict.fromkeys([gating, *wers[1], *wers[0]]))
    names = [n for n in names if n in wers[0] or n in wers[1]]
    if len(names) < 2:  # one set: the models table above shows its WER
        return None
    header = ("| Test set | Previous benchmark | Deployed | Change (points) |\n"
              "|---|---:|---:|---:|")
    rows = []
    for name in names:
        old, new = wers[0].get(name), wers[1].get(name)
        label = f"**{escape_markdown(name)}**" + (" (gating)" if name == gating else "")
        change = NONE if old is None or new is None else WerChange(old, new).change_points()
        rows.append(f"| {label} | {_percent(old)} | {_percent(new)} | {change} |")
    return "\n".join(["### Test sets", "", header, *rows])


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{fixed(value)} %"
