"""The Markdown sections of the summary and the PR comment (pure, all text escaped)."""

from __future__ import annotations

from collections.abc import Sequence

from speech_action.report.analysis import Analysis
from speech_action.report.escape import escape_cell, escape_markdown, safe_url
from speech_action.report.figures import fixed
from speech_action.report.model import Mode, ModelInfo, Report, ServiceScore
from speech_action.report.test_sets import gating_name
from speech_action.report.verdict import verdict
from speech_action.scoring import CorpusScore
from speech_action.scoring.alignment import confusion_counts

NONE = "\u2014"  # em dash for an unknown value


def title(report: Report) -> str:
    return f"## Custom Speech {report.mode.value} ({escape_markdown(report.locale)})"


def first_line(report: Report) -> str:
    """The verdict line, then (deploy) the notes explaining the choice of model."""
    notes = (escape_markdown(note) for note in report.notes)
    return "\n\n".join([verdict(report).markdown(), *notes])


def warnings(report: Report, analysis: Analysis) -> str | None:
    items = (*report.warnings, *analysis.warnings)
    if not items:
        return None
    return "### \u26a0\ufe0f Warnings\n\n" + "\n".join(f"- {escape_markdown(w)}" for w in items)


def scores_table(report: Report, analysis: Analysis) -> str | None:
    """Service WER, recomputed WER and S/D/I per model (one column in benchmark-test);
    None when there is nothing to show (a deploy without a recorded score)."""
    comparison = analysis.comparison
    if comparison is None and report.benchmark_service is None and report.candidate_service is None:
        return None
    first_role = "Deployed" if report.mode is Mode.DEPLOY else "Benchmark"
    columns: list[tuple[str, ServiceScore | None, CorpusScore | None]] = [
        (
            _column_title(first_role, report.benchmark_model),
            report.benchmark_service,
            comparison.benchmark.score if comparison else None,
        )
    ]
    if report.candidate_model is not None:
        columns.append(
            (
                _column_title("New model", report.candidate_model),
                report.candidate_service,
                comparison.candidate.score if comparison else None,
            )
        )
    rows = [
        *_wer_rows(columns),
        *(
            (label, [_count(service, ours, field) for _, service, ours in columns])
            for label, field in _COUNT_ROWS
        ),
        (
            "Sentence error rate",
            [_ratio(ours.sentence_error_rate if ours else None) for *_, ours in columns],
        ),
    ]
    header = "| | " + " | ".join(title for title, *_ in columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    # A row of dashes says nothing (no per-utterance results, no service counts).
    body = [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows
            if any(cell != NONE for cell in cells)]
    return "\n".join([f"### Scores{_on_gating_set(report)}", "", header, rule, *body])


def _on_gating_set(report: Report) -> str:
    """Names the set a section is about when the report has several."""
    return f" on {escape_markdown(gating_name(report))} (gating set)" if report.guard_sets else ""


def _wer_rows(
    columns: list[tuple[str, ServiceScore | None, CorpusScore | None]],
) -> list[tuple[str, list[str]]]:
    """One WER row when the service's and the recomputed WER agree to the shown precision
    (or nothing was recomputed); both, the recomputed one flagged, when they differ."""
    service = [_pct(score) for _, score, _ in columns]
    if all(ours is None for *_, ours in columns):
        return [("WER", service)]
    ours = [_ratio(score.wer if score else None) for *_, score in columns]
    if ours == service:
        return [("WER", service)]
    return [("WER (service; the gate uses it)", service),
            ("\u26a0\ufe0f WER (recomputed)", ours)]


_COUNT_ROWS = (
    ("Substitutions", "substitutions"),
    ("Deletions", "deletions"),
    ("Insertions", "insertions"),
    ("Reference words", "reference_words"),
    ("Utterances", "sentences"),
)
_SERVICE_FIELDS = {"reference_words": "words"}


def _count(service: ServiceScore | None, ours: CorpusScore | None, field: str) -> str:
    # The recomputation matches the alignments shown below; the service's counts are
    # the fallback when there are no utterance results.
    if ours is not None:
        return f"{getattr(ours, field):,}"
    value = getattr(service, _SERVICE_FIELDS.get(field, field), None) if service else None
    return NONE if value is None else f"{value:,}"


def significance(report: Report) -> str | None:
    """The interval behind the first line's "significant" (said there, not again)."""
    sig = report.significance
    if sig is None:
        return None
    return (
        f"**Significance test**: {escape_markdown(sig.describe())} "
        f"({escape_markdown(sig.method)}, {sig.resamples:,} resamples, seed {sig.seed})."
    )


def confusions(report: Report, analysis: Analysis, limit: int) -> str | None:
    """Most frequent confusions. With two models, both counts side by side, ranked by the
    new model's count and then the benchmark's, so confusions the new model fixed
    (`sharjah -> shar jah`: 0 now, 5 before) show too."""
    comparison = analysis.comparison
    if comparison is None:
        return None
    if comparison.same_hypotheses:
        rows = [
            f"| {_phrase(c.reference, c.hypothesis)} | {c.count} |"
            for c in comparison.candidate.confusions(limit)
        ]
        header = "| Reference | Recognized as | Count |\n|---|---|---:|"
    else:
        new = confusion_counts(comparison.candidate.alignments)
        old = confusion_counts(comparison.benchmark.alignments)
        ranked = sorted(new.keys() | old.keys(), key=lambda k: (-new[k], -old[k], k))
        rows = [f"| {_phrase(*k)} | {new[k]} | {old[k]} |" for k in ranked[:limit]]
        header = "| Reference | Recognized as | New model | Benchmark |\n|---|---|---:|---:|"
    if not rows:
        return None
    return "\n".join([f"### Most frequent confusions{_on_gating_set(report)}", "", header, *rows])


def _phrase(reference: str, hypothesis: str) -> str:
    ref = escape_cell(reference, empty="*(inserted)*")
    return f"{ref} | {escape_cell(hypothesis, empty='*(deleted)*')}"


def footer(report: Report) -> str:
    parts = [f"Normalizer: {escape_markdown(report.normalizer)}"]
    if report.commit:
        parts.append(f"commit {escape_markdown(report.commit[:7])}")
    run = safe_url(report.run_url) if report.run_url else None
    if run:
        parts.append(f"[run]({run})")
    parts.append(f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC")
    return "<sub>" + " \u00b7 ".join(parts) + "</sub>"


def _column_title(role: str, model: ModelInfo) -> str:
    # The model's REST URL needs a key, so the name stands alone (ids: "Service entities").
    return f"{role}: {escape_markdown(model.name)}"


def _pct(service: ServiceScore | None) -> str:
    return NONE if service is None else f"{fixed(service.wer_percent)} %"


def _ratio(value: float | None) -> str:
    return NONE if value is None else f"{fixed(value * 100)} %"


def join(parts: Sequence[str | None]) -> str:
    return "\n\n".join(p for p in parts if p)
