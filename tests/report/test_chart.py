"""The WER history chart never crashes on a number a record or a caller hands it."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from speech_action.records.models import MAX_WER_PERCENT
from speech_action.report.chart import RunPoint, history_chart, labels_for
from speech_action.report.model import HistoryPoint

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _two(wer: float) -> list[HistoryPoint]:
    """A chart needs two positions; the earlier one is lower, so `wer` sets the axis."""
    return [HistoryPoint(time=NOW - timedelta(days=1), commit="0000000", wer_percent=0.0),
            HistoryPoint(time=NOW, commit="abc1234", wer_percent=wer)]


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
    assert _axis(history_chart(_two(wer))) == axis


@pytest.mark.parametrize("wer", [1.7e308, sys.float_info.max, 1e307])
def test_the_largest_finite_wers_give_a_finite_axis(wer: float) -> None:
    """Before, 1.7e308 * 1.2 overflowed to inf and math.log10 raised on every later run."""
    chart = history_chart(_two(wer))
    assert "inf" not in _axis(chart) and "nan" not in _axis(chart)


@pytest.mark.parametrize("wer", [float("nan"), float("inf"), -1.0])
def test_a_history_point_is_a_finite_wer_of_0_or_more(wer: float) -> None:
    with pytest.raises(ValidationError):
        HistoryPoint(time=NOW, commit="abc1234", wer_percent=wer)


def test_fewer_than_two_positions_draw_no_chart() -> None:
    one = [HistoryPoint(time=NOW, commit="abc1234", wer_percent=5.0)]
    run = RunPoint(NOW, "def5678", 4.0, 5.0)
    assert history_chart([]) is None and history_chart(one) is None
    assert history_chart([], candidate=run) is None
    assert history_chart(one, candidate=run) is not None


def test_the_new_model_is_a_series_of_its_own() -> None:
    chart = history_chart(_two(8.0), candidate=RunPoint(NOW + timedelta(hours=1), "def5678",
                                                        3.25, 8.0))
    assert chart is not None
    # Under the benchmark's line until it parts at this run: no zero bars that read as 0 %.
    assert "    line [0.00, 8.00, 3.25]\n    line [0.00, 8.00, 8.00]" in chart
    assert "bar" not in chart


def test_theme_variables_make_the_chart_readable_in_light_and_dark() -> None:
    chart = history_chart(_two(8.0), candidate=RunPoint(NOW, "def5678", 3.25, 8.0))
    assert chart is not None
    init = chart.splitlines()[1]
    assert init.startswith("%%{init: ") and init.endswith("}%%")
    theme = json.loads(init[len("%%{init: "):-len("}%%")])["themeVariables"]["xyChart"]
    assert theme["plotColorPalette"] == "#e16f24, #2f81f7"  # new model, then benchmark
    assert theme["backgroundColor"] == "transparent"
    assert theme["titleColor"] == theme["xAxisLabelColor"] == theme["yAxisLabelColor"]


def test_labels_are_short_and_unique_without_odd_suffixes() -> None:
    day = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    stamps = [(day, "63e0d68aaaa"), (day + timedelta(minutes=5), "63e0d68aaaa"),
              (day + timedelta(days=1), "1234567bbb"), (day + timedelta(minutes=5), "63e0d68")]
    assert labels_for(stamps) == [
        "11-29 10:00 63e0d68", "11-29 10:05:00 63e0d68", "11-30 1234567",
        "11-29 10:05:00 63e0d68 #2"]  # the same commit at the same second: a true repeat
    assert labels_for([(day, "63e0d68"), (day + timedelta(seconds=1), "63e0d68")]) == [
        "11-29 10:00:00 63e0d68", "11-29 10:00:01 63e0d68"]
