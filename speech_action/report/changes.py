"""The utterances section: counts of better / worse / unchanged, then every utterance that
got worse (up to a cap) before the ones that got better.

A reviewer deciding whether to merge needs the regressions: ranking all changes by size
put a 4-error regression eighth of nineteen, below the cut of a 5-utterance comment. So
regressions have their own cap and come first, and the counts say how many there are even
when the size limit leaves some out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from speech_action.report.escape import escape_html, one_line
from speech_action.report.model import Report
from speech_action.scoring import Comparison, UtteranceChange, render_alignment

__all__ = ["Changes", "Limits", "changes", "counts_line", "utterance_block",
           "utterances_section"]


@dataclass(frozen=True)
class Changes:
    worse: list[UtteranceChange]
    """Most added errors first."""
    better: list[UtteranceChange]
    """Most removed errors first."""
    unchanged: int

    @property
    def changed(self) -> int:
        return len(self.worse) + len(self.better)


def changes(comparison: Comparison) -> Changes:
    every = comparison.changes()
    worse = sorted((c for c in every if c.change < 0), key=lambda c: (c.change, c.audio))
    better = sorted((c for c in every if c.change > 0), key=lambda c: (-c.change, c.audio))
    return Changes(worse, better, len(every) - len(worse) - len(better))


def counts_line(found: Changes) -> str:
    total = found.changed + found.unchanged
    return (f"**{total:,} utterance(s)**: {len(found.better):,} better, "
            f"{len(found.worse):,} worse, {found.unchanged:,} unchanged.")


@dataclass(frozen=True)
class Limits:
    max_worse: int
    max_better: int
    max_block_bytes: int
    context: int
    budget: int
    """Bytes the blocks may take in all; what does not fit is counted in a note."""


def utterances_section(report: Report, comparison: Comparison, limits: Limits) -> str | None:
    if comparison.same_hypotheses:
        return _most_errors(report, comparison, limits)
    found = changes(comparison)
    fill = _Filler(limits.budget, _renderer(report, comparison, limits))
    worse = fill.take(found.worse[:limits.max_worse])
    better = fill.take(found.better[:limits.max_better])
    shown = len(worse) + len(better)
    parts = [f"### Utterances that changed most ({shown} of {found.changed} changed)",
             counts_line(found)]
    if found.worse:
        parts += [f"#### \u26a0\ufe0f Got worse ({len(worse)} of {len(found.worse)})", *worse]
    if better:
        parts += [f"#### Got better ({len(better)} of {len(found.better)})", *better]
    return "\n\n".join(p for p in [*parts, fill.note()] if p)


def _most_errors(report: Report, comparison: Comparison, limits: Limits) -> str | None:
    ranked = comparison.most_errors(len(comparison.utterances))
    if not ranked:
        return None
    fill = _Filler(limits.budget, _renderer(report, comparison, limits))
    blocks = fill.take(ranked[:limits.max_better])
    heading = f"### Utterances with the most errors ({len(blocks)} of {len(ranked)})"
    return "\n\n".join(p for p in [heading, *blocks, fill.note()] if p)


def _renderer(report: Report, comparison: Comparison,
              limits: Limits) -> Callable[[UtteranceChange], str]:
    def render(change: UtteranceChange) -> str:
        return utterance_block(report, comparison, change, max_bytes=limits.max_block_bytes,
                               context=limits.context)
    return render


class _Filler:
    """Renders blocks while they fit the byte budget and counts the ones left out."""

    def __init__(self, budget: int, render: Callable[[UtteranceChange], str]) -> None:
        self._left, self._render, self.left_out = budget, render, 0

    def take(self, wanted: list[UtteranceChange]) -> list[str]:
        kept = []
        for change in wanted:
            if self.left_out:  # once one is left out, so are the rest (keeps the order)
                self.left_out += 1
                continue
            block = self._render(change)
            size = len(block.encode()) + 2
            if size > self._left:
                self.left_out += 1
                continue
            self._left -= size
            kept.append(block)
        return kept

    def note(self) -> str | None:
        if not self.left_out:
            return None
        return (f"*{self.left_out} more utterance(s) left out to keep this under GitHub's "
                "size limit; the JSON report (`report` output) has every utterance.*")


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
        text = (
            f"Benchmark ({report.benchmark_model.name}):\n"
            f"{render_alignment(comparison.benchmark.alignments[i], context=context)}\n\n"
            f"New model ({report.model_under_test.name}):\n"
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
