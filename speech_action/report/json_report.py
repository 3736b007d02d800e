"""The JSON report (the `report` output): the `Report` plus everything derived from it.

Top-level keys are the `Report` fields (so `from_json` reads a report back), plus
`schema_version` and the derived parts: `recomputed` scores, `changed_most` with
alignments (got worse first, then got better), `utterance_counts` (better / worse /
unchanged), `confusions`, `utterance_scores` (one per utterance, same order as
`utterances`) and `derived_warnings` (WER discrepancies, expiry; the report's own
are in `warnings`). Each entry of `guard_sets` (issue #16) carries the same derived parts
of its own utterances, beside its `TestSetResult` fields; `from_json` drops them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from speech_action.errors import SpeechActionError
from speech_action.report.analysis import analyze
from speech_action.report.changes import changes
from speech_action.report.model import Report
from speech_action.scoring import Comparison, CorpusScore, ModelResult, render_alignment

__all__ = ["SCHEMA_VERSION", "ReportFormatError", "from_json", "to_json"]

SCHEMA_VERSION = 1
CHANGED_MOST = 50
CONFUSIONS = 50


class ReportFormatError(SpeechActionError):
    """A JSON report could not be read back."""


def to_json(report: Report, *, now: datetime | None = None) -> dict[str, Any]:
    """A JSON-ready dict (`json.dumps` it as is)."""
    analysis = analyze(report, now=now)
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    data.update(report.model_dump(mode="json"))
    if report.significance is not None:  # a property, so not in the dump; readers want it
        data["significance"]["significant"] = report.significance.significant
    data["derived_warnings"] = list(analysis.warnings)
    for entry, guard in zip(data["guard_sets"], analysis.guard_comparisons, strict=True):
        if guard is not None:
            entry.update(_derived(guard))
    if analysis.comparison is not None:
        data.update(_derived(analysis.comparison))
    return data


DERIVED_KEYS = ("recomputed", "changed_most", "utterance_counts", "confusions",
                "utterance_scores")


def _derived(comparison: Comparison) -> dict[str, Any]:
    """What one test set's utterances give: the keys of `DERIVED_KEYS`."""
    data: dict[str, Any] = {
        "recomputed": {
            "benchmark": _score(comparison.benchmark.score),
            "candidate": _score(comparison.candidate.score),
        },
        "changed_most": _changed_most(comparison),
    }
    if not comparison.same_hypotheses:
        found = changes(comparison)
        data["utterance_counts"] = {"better": len(found.better), "worse": len(found.worse),
                                    "unchanged": found.unchanged}
    data["confusions"] = {
        "benchmark": _confusions(comparison.benchmark),
        "candidate": _confusions(comparison.candidate),
    }
    data["utterance_scores"] = [
        {"benchmark": asdict(b.counts), "candidate": asdict(c.counts)}
        for b, c in zip(
            comparison.benchmark.alignments, comparison.candidate.alignments, strict=True
        )
    ]
    return data


def from_json(data: Mapping[str, Any]) -> Report:
    """Read back the `Report` part of `to_json` output (derived parts are recomputed)."""
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ReportFormatError(
            f"JSON report has schema_version {version!r}; this version reads "
            f"{SCHEMA_VERSION}. Re-create the report with the matching action version."
        )
    fields = {k: v for k, v in data.items() if k in Report.model_fields}
    if isinstance(fields.get("significance"), Mapping):
        fields["significance"] = {
            k: v for k, v in fields["significance"].items() if k != "significant"
        }
    if isinstance(fields.get("guard_sets"), list):
        fields["guard_sets"] = [
            {k: v for k, v in entry.items() if k not in DERIVED_KEYS}
            if isinstance(entry, Mapping) else entry
            for entry in fields["guard_sets"]
        ]
    try:
        return Report.model_validate(fields)
    except ValidationError as exc:
        raise ReportFormatError(f"JSON report is not a valid report: {exc}") from exc


def _score(score: CorpusScore) -> dict[str, Any]:
    return {
        **asdict(score),
        "wer_percent": score.wer * 100,
        "sentence_error_rate_percent": score.sentence_error_rate * 100,
    }


def _changed_most(comparison: Comparison) -> list[dict[str, Any]]:
    """Regressions first (most added errors first), then improvements: the order the
    summary shows them in."""
    if comparison.same_hypotheses:
        ranked = comparison.most_errors(CHANGED_MOST)
    else:
        found = changes(comparison)
        ranked = (found.worse + found.better)[:CHANGED_MOST]
    return [
        {
            "audio": c.audio,
            "benchmark_errors": c.benchmark_errors,
            "candidate_errors": c.candidate_errors,
            "reference_words": c.reference_words,
            "benchmark_alignment": render_alignment(comparison.benchmark.alignments[c.index]),
            "candidate_alignment": render_alignment(comparison.candidate.alignments[c.index]),
        }
        for c in ranked
    ]


def _confusions(result: ModelResult) -> list[dict[str, Any]]:
    return [asdict(c) for c in result.confusions(CONFUSIONS)]
