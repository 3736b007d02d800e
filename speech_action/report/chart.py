"""The WER history of past benchmarks as a Mermaid `xychart-beta` (GitHub renders it)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from speech_action.report.model import HistoryPoint

__all__ = ["HISTORY_POINTS", "history_chart"]

HISTORY_POINTS = 20
# Labels go inside double quotes in Mermaid; keep a conservative character set.
_UNSAFE_LABEL = re.compile(r"[^A-Za-z0-9 ._:/-]")


def history_chart(history: Sequence[HistoryPoint], *, limit: int = HISTORY_POINTS) -> str | None:
    """A fenced Mermaid block of the last `limit` points, oldest first; None if empty.

    x labels are `MM-DD sha7` so two benchmarks on one day stay apart.
    """
    points = sorted(history, key=lambda p: p.time)[-limit:]
    if not points:
        return None
    labels = ", ".join(f'"{label}"' for label in _unique([_label(p) for p in points]))
    values = ", ".join(f"{p.wer_percent:.2f}" for p in points)
    top = _axis_top(max(p.wer_percent for p in points))
    return "\n".join(
        [
            "```mermaid",
            "xychart-beta",
            '    title "Benchmark WER (%)"',
            f"    x-axis [{labels}]",
            f'    y-axis "WER (%)" 0 --> {top:g}',
            f"    line [{values}]",
            "```",
        ]
    )


def _unique(labels: Sequence[str]) -> list[str]:
    """Two benchmarks of one commit on one day would share a label; number the repeats."""
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} {seen[label]}")
    return unique


def _label(point: HistoryPoint) -> str:
    text = f"{point.time:%m-%d} {point.commit[:7]}".strip()
    return _UNSAFE_LABEL.sub("_", text)


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
