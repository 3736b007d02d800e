"""The WER history chart never crashes on a number a record or a caller hands it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from speech_action.records.models import MAX_WER_PERCENT
from speech_action.report.chart import history_chart
from speech_action.report.model import HistoryPoint

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _axis(chart: str | None) -> str:
    assert chart is not None
    return next(line.strip() for line in chart.splitlines() if "y-axis" in line)


@pytest.mark.parametrize(("wer", "axis"), [
    (0.0, 'y-axis "WER (%)" 0 --> 1'),
    (6.4, 'y-axis "WER (%)" 0 --> 8'),
    (23.0, 'y-axis "WER (%)" 0 --> 30'),
    (MAX_WER_PERCENT, 'y-axis "WER (%)" 0 --> 1200'),
])
def test_the_axis_top_is_round_with_headroom(wer: float, axis: str) -> None:
    assert _axis(history_chart([HistoryPoint(time=NOW, commit="abc1234", wer_percent=wer)])) \
        == axis


@pytest.mark.parametrize("wer", [1.7e308, sys.float_info.max, 1e307])
def test_the_largest_finite_wers_give_a_finite_axis(wer: float) -> None:
    """Before, 1.7e308 * 1.2 overflowed to inf and math.log10 raised on every later run."""
    chart = history_chart([HistoryPoint(time=NOW, commit="abc1234", wer_percent=wer)])
    assert "inf" not in _axis(chart) and "nan" not in _axis(chart)


@pytest.mark.parametrize("wer", [float("nan"), float("inf"), -1.0])
def test_a_history_point_is_a_finite_wer_of_0_or_more(wer: float) -> None:
    with pytest.raises(ValidationError):
        HistoryPoint(time=NOW, commit="abc1234", wer_percent=wer)
