"""The job summary and the PR comment: Markdown assembled from `sections`, within size.

GitHub refuses a step summary above 1 MiB and a comment above 65,536 characters
(`github.limits`). The utterance alignments are the only part that grows with the test
set, so the fixed parts are laid out first and the utterances fill what is left, with a
note when some had to be left out. A final clip guards against anything else being
enormous (warnings).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from speech_action.github.limits import COMMENT_MAX_CHARS, STEP_SUMMARY_MAX_BYTES
from speech_action.report import sections, test_sets
from speech_action.report.analysis import Analysis, analyze
from speech_action.report.changes import Limits, sets_section, utterances_section
from speech_action.report.chart import history_section
from speech_action.report.deployment import deploy_table, entities
from speech_action.report.model import Report

__all__ = [
    "COMMENT_LIMIT_BYTES",
    "COMMENT_MARKER",
    "SUMMARY_LIMIT_BYTES",
    "render_pr_comment",
    "render_summary",
]

COMMENT_MARKER = "<!-- speech-action:wer-report -->"
"""Starts every PR comment; `github.pr_comment` finds the comment to update by it."""
# The margin leaves room for what the summary writer adds.
SUMMARY_LIMIT_BYTES = STEP_SUMMARY_MAX_BYTES - 4096
# GitHub counts characters; bytes are never fewer, so a byte budget is safe.
COMMENT_LIMIT_BYTES = COMMENT_MAX_CHARS - 1024


@dataclass(frozen=True)
class _Layout:
    compact: bool
    limit_bytes: int
    max_worse: int
    """Utterances that got worse: shown before the better ones, with their own cap."""
    max_better: int
    max_confusions: int
    max_block_bytes: int
    history_points: int
    context: int
    """Correct words shown around each error; farther ones collapse to an ellipsis."""


def render_summary(
    report: Report,
    *,
    now: datetime | None = None,
    max_utterances: int = 25,
    max_regressions: int = 25,
    limit_bytes: int = SUMMARY_LIMIT_BYTES,
) -> str:
    """The job summary (`$GITHUB_STEP_SUMMARY`) in GitHub Markdown, under `limit_bytes`.

    `now` (for expiry warnings) defaults to `report.generated_at`. Up to `max_regressions`
    utterances that got worse are shown, then up to `max_utterances` that got better (or,
    in benchmark-test, with the most errors).
    """
    layout = _Layout(
        compact=False,
        limit_bytes=limit_bytes,
        max_worse=max_regressions,
        max_better=max_utterances,
        max_confusions=15,
        max_block_bytes=24_000,
        history_points=30,
        context=8,
    )
    return _render(report, analyze(report, now=now), layout)


def render_pr_comment(
    report: Report,
    *,
    now: datetime | None = None,
    max_utterances: int = 5,
    max_regressions: int = 10,
    limit_bytes: int = COMMENT_LIMIT_BYTES,
) -> str:
    """The PR comment: the summary's content, more compact, starting with
    `COMMENT_MARKER` so the comment can be found and updated in place."""
    layout = _Layout(
        compact=True,
        limit_bytes=limit_bytes - len(COMMENT_MARKER) - 1,
        max_worse=max_regressions,
        max_better=max_utterances,
        max_confusions=8,
        max_block_bytes=4_000,
        history_points=12,
        context=4,
    )
    return f"{COMMENT_MARKER}\n{_render(report, analyze(report, now=now), layout)}"


def _render(report: Report, analysis: Analysis, layout: _Layout) -> str:
    head = sections.join(
        [
            sections.title(report),
            sections.first_line(report),
            sections.warnings(report, analysis),
            deploy_table(report.deployment) if report.deployment else None,
            test_sets.table(report, analysis, compact=layout.compact),
            sections.scores_table(report, analysis),
            sections.significance(report),
        ]
    )
    tail = sections.join(
        [
            sections.confusions(report, analysis, layout.max_confusions),
            history_section(report, limit=layout.history_points, compact=layout.compact),
            entities(report, compact=layout.compact),
            sections.footer(report),
        ]
    )
    budget = layout.limit_bytes - _size(head) - _size(tail) - _NOTE_RESERVE
    middle = _utterances(report, analysis, layout, budget)
    return _clip(sections.join([head, middle, tail]), layout.limit_bytes - 1) + "\n"


_NOTE_RESERVE = 512


def _utterances(report: Report, analysis: Analysis, layout: _Layout, budget: int) -> str | None:
    limits = Limits(max_worse=layout.max_worse, max_better=layout.max_better,
                    max_block_bytes=layout.max_block_bytes, context=layout.context,
                    budget=budget)
    if report.guard_sets:
        return sets_section(report, test_sets.test_sets(report, analysis), limits)
    comparison = analysis.comparison
    return None if comparison is None else utterances_section(report, comparison, limits)


def _clip(text: str, limit_bytes: int) -> str:
    """Last resort when the fixed parts alone are too large: cut and say so."""
    data = text.encode()
    if len(data) <= limit_bytes:
        return text
    note = "\n\n*Truncated to stay under GitHub's size limit; see the JSON report.*"
    room = limit_bytes - len(note.encode())
    return data[:room].decode(errors="ignore") + note


def _size(text: str) -> int:
    return len(text.encode())
