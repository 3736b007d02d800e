"""The utterances section: counts of better / worse / unchanged, then every utterance that
got worse (up to a cap) before the ones that got better.

A reviewer deciding whether to merge needs the regressions: ranking all changes by size
put a 4-error regression eighth of nineteen, below the cut of a 5-utterance comment. So
regressions have their own cap and come first, and the counts say how many there are even
when the size limit leaves some out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from speech_action.report.escape import escape_html, escape_markdown, one_line
from speech_action.report.model import Report
from speech_action.report.test_sets import TestSet
from speech_action.scoring import Comparison, UtteranceChange, render_alignment

__all__ = ["Changes", "Limits", "changes", "counts_line", "sets_section", "utterance_block",
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
        return _left_out_note(self.left_out)


def _left_out_note(count: int) -> str | None:
    if not count:
        return None
    return (f"*{count} more utterance(s) left out to keep this under GitHub's "
            "size limit; the JSON report (`report` output) has every utterance.*")


# Headings and counts of one more test set, out of the blocks' budget.
_SET_OVERHEAD = 400


def sets_section(report: Report, sets: Sequence[TestSet], limits: Limits) -> str | None:
    """Several test sets: what got worse in any set before what got better in any, the
    sets that blocked the gate first (a model that broke general speech shows that before
    its gains), then the gating set's and the other guards' in order. The byte budget is
    shared: each list of blocks gets an equal share of what is left, the smallest first,
    so one large set cannot crowd out the others."""
    shown = [(s, s.comparison) for s in sets if s.comparison is not None]
    if not shown:
        return None
    limits = replace(limits, budget=limits.budget - _SET_OVERHEAD * len(shown))
    if all(comparison.same_hypotheses for _, comparison in shown):
        return _sets_most_errors(report, shown, limits)
    found = [changes(comparison) for _, comparison in shown]
    blocked_first = sorted(range(len(shown)), key=lambda i: not shown[i][0].blocked)
    worse = [(i, found[i].worse[:limits.max_worse]) for i in blocked_first if found[i].worse]
    better = [(i, found[i].better[:limits.max_better]) for i in range(len(shown))
              if found[i].better]
    kept_worse, left = _allot(report, shown, worse, limits, limits.budget)
    kept_better, _ = _allot(report, shown, better, limits, left)
    total = sum(len(kept) for _, kept in kept_worse + kept_better)
    parts = [f"### Utterances that changed most ({total} of "
             f"{sum(f.changed for f in found)} changed, in {len(shown)} test sets)",
             "\n".join(f"- {s.label}: {counts_line(f)}" for (s, _), f in zip(shown, found,
                                                                            strict=True))]
    for i, kept in kept_worse:
        which = ", which blocked the gate" if shown[i][0].blocked else ""
        parts += [f"#### \u26a0\ufe0f Got worse in {escape_markdown(shown[i][0].name)} "
                  f"({len(kept)} of {len(found[i].worse)}){which}", *kept]
    for i, kept in kept_better:
        if kept:
            parts += [f"#### Got better in {escape_markdown(shown[i][0].name)} "
                      f"({len(kept)} of {len(found[i].better)})", *kept]
    left_out = sum(len(w) for _, w in worse + better) - \
        sum(len(k) for _, k in kept_worse + kept_better)
    return "\n\n".join(p for p in [*parts, _left_out_note(left_out)] if p)


def _sets_most_errors(report: Report, shown: list[tuple[TestSet, Comparison]],
                      limits: Limits) -> str | None:
    ranked = [comparison.most_errors(len(comparison.utterances)) for _, comparison in shown]
    wanted = [(i, r[:limits.max_better]) for i, r in enumerate(ranked) if r]
    if not wanted:
        return None
    kept, _ = _allot(report, shown, wanted, limits, limits.budget)
    total = sum(len(blocks) for _, blocks in kept)
    parts = [f"### Utterances with the most errors ({total} of {sum(map(len, ranked))}, "
             f"in {len(shown)} test sets)"]
    for i, blocks in kept:
        parts += [f"#### {shown[i][0].label} ({len(blocks)} of {len(ranked[i])})", *blocks]
    left_out = sum(len(w) for _, w in wanted) - total
    return "\n\n".join(p for p in [*parts, _left_out_note(left_out)] if p)


def _allot(report: Report, shown: list[tuple[TestSet, Comparison]],
           wanted: list[tuple[int, list[UtteranceChange]]], limits: Limits,
           budget: int) -> tuple[list[tuple[int, list[str]]], int]:
    """The leading blocks of each set's list that fit: the lists are filled smallest
    first, each with an equal share of the budget still left, so what a small list does
    not use goes to the larger ones. Returns the kept blocks (in `wanted`'s order) and
    the budget left."""
    rendered = [[_renderer(report, shown[i][1], limits)(c) for c in changes_]
                for i, changes_ in wanted]
    sizes = [[len(block.encode()) + 2 for block in blocks] for blocks in rendered]
    counts = [0] * len(wanted)
    for rank, j in enumerate(sorted(range(len(wanted)), key=lambda j: sum(sizes[j]))):
        share, used = budget // (len(wanted) - rank), 0
        for size in sizes[j]:  # in order: once one is left out, so are the rest
            if used + size > share:
                break
            used += size
            counts[j] += 1
        budget -= used
    kept = [(i, rendered[j][:counts[j]]) for j, (i, _) in enumerate(wanted)]
    return kept, budget


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
