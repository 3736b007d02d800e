"""The Markdown sections of the summary and the PR comment (pure, all text escaped)."""

from __future__ import annotations

from collections.abc import Sequence

from speech_action.report.analysis import Analysis
from speech_action.report.escape import (
    escape_cell,
    escape_html,
    escape_markdown,
    one_line,
    safe_url,
)
from speech_action.report.model import Mode, ModelInfo, Report, ServiceScore
from speech_action.scoring import (
    Comparison,
    CorpusScore,
    UtteranceChange,
    render_alignment,
)
from speech_action.scoring.alignment import confusion_counts

NONE = "\u2014"  # em dash for an unknown value


def title(report: Report) -> str:
    return f"## Custom Speech {report.mode.value} ({escape_markdown(report.locale)})"


def headline(report: Report) -> str:
    """The WERs, the delta and the decision with the rule that made it."""
    bench, new = report.benchmark_service, report.candidate_service
    name = escape_markdown(report.model_under_test.name)
    if report.mode is Mode.DEPLOY:
        wer = f": recorded WER **{_pct(new or bench)}**" if (new or bench) else ""
        return "\n\n".join([f"Deployed model **{name}**{wer}.",
                             *(escape_markdown(note) for note in report.notes)])
    if report.candidate_model is None or new is None:
        return (
            f"Benchmark model **{name}**: WER **{_pct(bench)}**. "
            "This is now the benchmark that new models must beat."
        )
    delta = (bench.wer_percent - new.wer_percent) if bench else None
    lines = [
        f"**Benchmark WER {_pct(bench)} \u2192 new WER {_pct(new)}**, "
        f"delta **{_points(delta)}** (positive is better)."
    ]
    if report.gate is not None:
        verdict = "\u2705 **Improved**" if report.gate.improved else "\u274c **Not improved**"
        lines.append(f"{verdict}: {escape_markdown(report.gate.reason)}.")
    return "\n\n".join(lines)


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
        ("WER (service)", [_pct(service) for _, service, _ in columns]),
        ("WER (recomputed)", [_ratio(ours.wer if ours else None) for *_, ours in columns]),
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
    body = [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    return "\n".join(["### Scores", "", header, rule, *body])


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
    sig = report.significance
    if sig is None:
        return None
    verdict = "significant" if sig.significant else "not significant"
    return (
        f"**Significance**: {escape_markdown(sig.describe())}: **{verdict}** "
        f"({escape_markdown(sig.method)}, {sig.resamples:,} resamples, seed {sig.seed})."
    )


def utterances_heading(report: Report, comparison: Comparison, shown: int, total: int) -> str:
    if comparison.same_hypotheses:
        return f"### Utterances with the most errors ({shown} of {total})"
    return f"### Utterances that changed most ({shown} of {total} changed)"


def ranked_utterances(comparison: Comparison, limit: int) -> tuple[list[UtteranceChange], int]:
    """The utterances to show and how many qualify in all."""
    if comparison.same_hypotheses:
        ranked = comparison.most_errors(len(comparison.utterances))
    else:
        ranked = comparison.changed_most(len(comparison.utterances))
    return ranked[:limit], len(ranked)


def utterance_block(
    report: Report,
    comparison: Comparison,
    change: UtteranceChange,
    *,
    max_bytes: int,
    context: int,
) -> str:
    """One collapsed utterance: file, error counts, and each model's alignment."""
    i = change.index
    if comparison.same_hypotheses:
        counts = f"{change.candidate_errors} error(s) in {change.reference_words} word(s)"
        text = render_alignment(comparison.candidate.alignments[i], context=context)
    else:
        fewer = change.change
        trend = f"{fewer} fewer" if fewer > 0 else f"{-fewer} more"
        counts = f"{change.benchmark_errors} \u2192 {change.candidate_errors} errors ({trend})"
        bench_name = report.benchmark_model.name
        new_name = report.model_under_test.name
        text = (
            f"Benchmark ({bench_name}):\n"
            f"{render_alignment(comparison.benchmark.alignments[i], context=context)}\n\n"
            f"New model ({new_name}):\n"
            f"{render_alignment(comparison.candidate.alignments[i], context=context)}"
        )
    # One line: a blank line would end the HTML block and let the rest be Markdown.
    summary = f"<code>{escape_html(one_line(change.audio))}</code>: {counts}"
    body = _clip_lines(escape_html(text), max_bytes)
    return f"<details><summary>{summary}</summary>\n\n<pre>\n{body}\n</pre>\n\n</details>"


def _clip_lines(text: str, max_bytes: int) -> str:
    if len(text.encode()) <= max_bytes:
        return text
    lines, kept, used = text.split("\n"), [], 0
    for line in lines:
        used += len(line.encode()) + 1
        if used > max_bytes:
            break
        kept.append(line)
    if not kept:  # one enormous line: cut it at a character boundary
        kept = [text.encode()[:max_bytes].decode(errors="ignore")]
    left = len(lines) - len(kept)
    return "\n".join([*kept, f"\u2026 cut here ({left} more line(s)); the JSON report has it all"])


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
    return "\n".join(["### Most frequent confusions", "", header, *rows])


def _phrase(reference: str, hypothesis: str) -> str:
    ref = escape_cell(reference, empty="*(inserted)*")
    return f"{ref} | {escape_cell(hypothesis, empty='*(deleted)*')}"


def links(report: Report, *, compact: bool) -> str | None:
    items = []
    for label, url in report.links.items():
        safe = safe_url(url)
        text = escape_markdown(label)
        items.append(f"[{text}]({safe})" if safe else text)
    if not items:
        return None
    if compact:
        return "**Links**: " + " \u00b7 ".join(items)
    return "### Links\n\n" + "\n".join(f"- {item}" for item in items)


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
    name = escape_markdown(model.name)
    url = safe_url(model.url) if model.url else None
    return f"{role}: [{name}]({url})" if url else f"{role}: {name}"


def _pct(service: ServiceScore | None) -> str:
    return NONE if service is None else f"{service.wer_percent:.2f} %"


def _ratio(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.2f} %"


def _points(delta: float | None) -> str:
    return NONE if delta is None else f"{delta:+.2f} points"


def join(parts: Sequence[str | None]) -> str:
    return "\n\n".join(p for p in parts if p)
