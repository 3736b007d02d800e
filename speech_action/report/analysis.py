"""What the renderers derive from a `Report`: the recomputed scores, WER discrepancies
between service and recomputation, and expiry warnings (pure; `now` is a parameter)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from speech_action.report.model import Expiry, Report, ServiceScore
from speech_action.scoring import Comparison, compare

__all__ = [
    "DISCREPANCY_POINTS",
    "EXPIRY_WARNING_DAYS",
    "Analysis",
    "analyze",
    "expiry_warnings",
    "wer_discrepancies",
]

EXPIRY_WARNING_DAYS = 30
DISCREPANCY_POINTS = 1.0


@dataclass(frozen=True)
class Analysis:
    comparison: Comparison | None
    """None when the report has no utterances (deploy, or no result files)."""
    discrepancies: tuple[str, ...]
    expiry_warnings: tuple[str, ...]
    guard_comparisons: tuple[Comparison | None, ...] = ()
    """One per guard set (`Report.guard_sets`, same order); None where it has no utterances."""

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.discrepancies + self.expiry_warnings


def analyze(report: Report, *, now: datetime | None = None) -> Analysis:
    """Recompute the scores from the utterances; `now` defaults to `report.generated_at`.

    A run renders the same report three times (summary, comment, JSON); the last
    analysis is remembered for the same (immutable) report object and `now`, so a large
    test set is aligned once, not three times.
    """
    remembered = _last_analysis.get("last")
    if remembered is not None and remembered[0] is report and remembered[1] == now:
        return remembered[2]
    comparison = compare(report.utterances) if report.utterances else None
    guards = tuple(compare(s.utterances) if s.utterances else None for s in report.guard_sets)
    analysis = Analysis(
        comparison=comparison,
        discrepancies=tuple(wer_discrepancies(report, comparison, guards)),
        expiry_warnings=tuple(expiry_warnings(report.expiries, now or report.generated_at)),
        guard_comparisons=guards,
    )
    _last_analysis["last"] = (report, now, analysis)
    return analysis


_last_analysis: dict[str, tuple[Report, datetime | None, Analysis]] = {}


def expiry_warnings(expiries: Iterable[Expiry], now: datetime) -> list[str]:
    """A warning for each date already past or within `EXPIRY_WARNING_DAYS` of `now`."""
    warnings = []
    for expiry in sorted(expiries, key=lambda e: e.date):
        left = expiry.date - now
        day = expiry.date.date().isoformat()
        if left <= timedelta(0):
            warnings.append(f"{expiry.label}: expired on {day}.")
        elif left <= timedelta(days=EXPIRY_WARNING_DAYS):
            days = max(1, left.days)
            warnings.append(f"{expiry.label}: expires on {day}, in {days} day(s).")
    return warnings


def wer_discrepancies(report: Report, comparison: Comparison | None,
                      guard_comparisons: Sequence[Comparison | None] = ()) -> list[str]:
    """A warning per model (and guard set) whose service WER and recomputed WER differ by
    more than `DISCREPANCY_POINTS`: the gate uses the service's, so the reader should know."""
    warnings = _discrepancies(report, report.benchmark_service, report.candidate_service,
                              comparison, "")
    for test_set, guard in zip(report.guard_sets, guard_comparisons, strict=True):
        warnings += _discrepancies(report, test_set.benchmark_service,
                                   test_set.candidate_service, guard,
                                   f" on test set {test_set.name}")
    return warnings


def _discrepancies(report: Report, benchmark: ServiceScore | None,
                   candidate: ServiceScore | None, comparison: Comparison | None,
                   where: str) -> list[str]:
    if comparison is None:
        return []
    pairs: list[tuple[str, ServiceScore | None, float]] = [
        (report.benchmark_model.name, benchmark, comparison.benchmark.score.wer)
    ]
    if report.candidate_model is not None:
        pairs.append((report.candidate_model.name, candidate, comparison.candidate.score.wer))
    warnings = []
    for name, service, recomputed in pairs:
        if service is None:
            continue
        ours = recomputed * 100
        if abs(service.wer_percent - ours) > DISCREPANCY_POINTS:
            warnings.append(
                f"Model {name}{where}: the service's WER {service.wer_percent:.2f} % and the "
                f"recomputed WER {ours:.2f} % differ by more than {DISCREPANCY_POINTS:g} "
                f"point. The gate uses the service's WER; the recomputation normalizes "
                f"with {report.normalizer}, so check the references' spelling and "
                "punctuation."
            )
    return warnings
