"""The WER history as a Mermaid `xychart-beta` (GitHub renders it in Markdown).

The benchmark records are a blue line; this run's new model (train-and-gate) is an orange
line that follows the benchmark's history and leaves it at the last position, where the
blue line shows the benchmark measured in the same evaluation. xychart has no gaps in a
series and no legend: a bar series would need zero bars before the last (they draw as
stubs that read as "0 %"), so the orange line runs under the blue one until it parts,
and the title names the colours. A chart of one point draws no line (blank axes), so a
chart needs two positions.

Colours: GitHub renders Mermaid in its light or dark theme; the default line colour all
but disappears on white. The init directive sets the xychart theme variables (Mermaid
docs, "XY Chart" > "Chart Theme Variables") to colours with contrast on both backgrounds
(GitHub's accent blue, an orange, and a mid grey for the text), on a transparent
background.

Several test sets (issue #16) get one chart each, under the set's name, rather than one
chart with a series per set: xychart has one x axis and no gaps, but the sets' records
need not share positions (a guard set added later has a shorter history), the sets' WERs
can differ tenfold (one axis would flatten the low one), and without a legend more
series would need more colours, each with contrast on both themes. One chart per set keeps
the blue benchmark and the orange new model meaning the same thing in every chart. A
record from before test sets (`test_set` "") counts as the gating set's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from speech_action.report.escape import escape_html, one_line
from speech_action.report.figures import fixed
from speech_action.report.model import HistoryPoint, Mode, Report
from speech_action.report.test_sets import TestSet, test_sets

__all__ = ["HISTORY_POINTS", "RunPoint", "candidate_point", "history_chart", "history_section"]

HISTORY_POINTS = 20
# Labels go inside double quotes in Mermaid; keep a conservative character set.
_UNSAFE_LABEL = re.compile(r"[^A-Za-z0-9 ._:/-]")
BENCHMARK_COLOUR = "#2f81f7"
NEW_MODEL_COLOUR = "#e16f24"
TEXT_COLOUR = "#7d8590"
_THEME = {
    "xyChart": {
        "backgroundColor": "transparent",
        # One colour per plot, in the order the plots are declared: the new model's line
        # (drawn first, so the benchmark's covers it where they agree), then the benchmark's.
        "plotColorPalette": f"{NEW_MODEL_COLOUR}, {BENCHMARK_COLOUR}",
        **{f"{part}Color": TEXT_COLOUR for part in (
            "title", "xAxisLabel", "xAxisTitle", "xAxisTick", "xAxisLine",
            "yAxisLabel", "yAxisTitle", "yAxisTick", "yAxisLine")},
    }
}
INIT = "%%{init: " + json.dumps({"themeVariables": _THEME}) + "}%%"


@dataclass(frozen=True)
class RunPoint:
    """This run's new model and the benchmark WER measured in the same evaluation."""

    time: datetime
    commit: str
    wer_percent: float
    benchmark_wer_percent: float


def candidate_point(report: Report, test_set: TestSet | None = None) -> RunPoint | None:
    """This run's point: the gating set's figures, or those of `test_set`."""
    benchmark, candidate = ((test_set.benchmark, test_set.candidate) if test_set else
                            (report.benchmark_service, report.candidate_service))
    if report.mode is not Mode.TRAIN_AND_GATE:
        return None
    if candidate is None or benchmark is None:
        return None
    return RunPoint(report.generated_at, report.commit[:7],
                    candidate.wer_percent, benchmark.wer_percent)


def history_section(report: Report, *, limit: int = HISTORY_POINTS,
                    compact: bool = False) -> str | None:
    """"WER history": one chart, or with several test sets one per set that has two
    positions. `compact` (the PR comment) collapses the charts of guard sets that held: the
    gating set's and a blocking set's are the ones a reviewer needs to see."""
    sets = _chart_sets(report)
    if len(sets) == 1:
        _, names = sets[0]
        points = [p for p in report.history if not report.test_set or p.test_set in names]
        chart = history_chart(points, candidate=candidate_point(report), limit=limit)
        return f"### WER history\n\n{chart}" if chart else None
    charts = []
    for test_set, names in sets:
        points = [p for p in report.history if p.test_set in names]
        chart = history_chart(points, candidate=candidate_point(report, test_set), limit=limit)
        if not chart:
            continue
        if compact and not test_set.gating and not test_set.blocked:
            # In code, as the utterance blocks' file names: no mention, no link.
            name = f"<code>{escape_html(one_line(test_set.name))}</code>"
            charts.append(f"<details><summary>WER history of {name}</summary>\n\n{chart}"
                          "\n\n</details>")
        else:
            charts.append(f"#### {test_set.label}\n\n{chart}")
    return "\n\n".join(["### WER history", *charts]) if charts else None


def _chart_sets(report: Report) -> list[tuple[TestSet, set[str]]]:
    """Every set with the names its history points carry. Deploy names its sets only in
    the models' per-set WERs."""
    sets = [(s, {"", report.test_set} if s.gating else {s.name}) for s in test_sets(report)]
    if report.deployment is not None:
        known = {report.test_set, *(s.name for s in report.guard_sets)}
        models = (report.deployment.previous, report.deployment.deployed)
        extra = dict.fromkeys(n for m in models if m for n in m.test_set_wers if n not in known)
        sets += [(TestSet(name, "", False, None, None, None), {name}) for name in extra]
    return sets


def history_chart(history: Sequence[HistoryPoint], *, candidate: RunPoint | None = None,
                  limit: int = HISTORY_POINTS) -> str | None:
    """A fenced Mermaid block of the last `limit` positions, oldest first; None with fewer
    than two. x labels are `MM-DD sha7`, with the time only where two would be the same."""
    room = limit - 1 if candidate else limit
    points = sorted(history, key=lambda p: p.time)[-room:] if room > 0 else []
    stamps = [(p.time, p.commit) for p in points]
    line = [p.wer_percent for p in points]
    if candidate is not None:
        stamps.append((candidate.time, candidate.commit))
        line.append(candidate.benchmark_wer_percent)
    if len(stamps) < 2:
        return None
    labels = ", ".join(f'"{label}"' for label in labels_for(stamps))
    plots = [f"    line [{_values(line)}]"]
    title = "Benchmark WER (%)"
    highest = max(line)
    if candidate is not None:
        new_model = [*line[:-1], candidate.wer_percent]
        plots.insert(0, f"    line [{_values(new_model)}]")
        title = "WER %: the benchmark (blue) and this run's new model (orange)"
        highest = max(highest, candidate.wer_percent)
    return "\n".join([
        "```mermaid", INIT, "xychart-beta", f'    title "{title}"', f"    x-axis [{labels}]",
        f'    y-axis "WER (%)" 0 --> {_axis_top(highest):g}', *plots, "```",
    ])


def _values(values: Sequence[float]) -> str:
    return ", ".join(fixed(v) for v in values)


def labels_for(stamps: Sequence[tuple[datetime, str]]) -> list[str]:
    """Short labels, unique: the date and short SHA; where two share that, the time is
    added (minutes, then seconds); a repeat even then gets its ordinal."""
    formats = ("%m-%d", "%m-%d %H:%M", "%m-%d %H:%M:%S")
    labels = [_label(time, commit, formats[0]) for time, commit in stamps]
    for fmt in formats[1:]:
        repeated = _repeated(labels)
        labels = [_label(t, c, fmt) if label in repeated else label
                  for (t, c), label in zip(stamps, labels, strict=True)]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique


def _repeated(labels: Sequence[str]) -> set[str]:
    return {label for label in labels if labels.count(label) > 1}


def _label(time: datetime, commit: str, fmt: str) -> str:
    return _UNSAFE_LABEL.sub("_", f"{time:{fmt}} {commit[:7]}".strip())


def _axis_top(highest: float) -> float:
    """A round top for the y axis with some headroom (6.4 -> 8, 23 -> 30); any finite
    value gives a finite top (near the largest float, the value itself)."""
    if not highest > 0:
        return 1
    padded = highest * 1.2
    if not math.isfinite(padded * 10):
        return highest
    step = 10.0 ** math.floor(math.log10(padded))
    for multiple in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if multiple * step >= padded:
            return float(f"{multiple * step:.6g}")
    return 10 * step
