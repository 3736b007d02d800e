"""Rounding happens once, from the unrounded values, half away from zero (report.figures)."""

from __future__ import annotations

import pytest

from speech_action.report import ServiceScore, WerChange, clean_percent, fixed
from speech_action.report.figures import signed


def test_the_change_is_rounded_from_the_full_values_not_from_rounded_strings() -> None:
    # 11.008 - 2.983 is 8.025: binary floats say 8.024999999999999 and format it as 8.02;
    # rounded strings would say 11.01 - 2.98 = 8.03 by luck. The rule says 8.03, always.
    change = WerChange(0.11008 * 100, 0.02983 * 100)
    assert change.outputs() == {"wer": "2.98", "benchmark-wer": "11.01", "wer-delta": "8.03"}


def test_binary_noise_of_a_percent_is_gone() -> None:
    assert 0.640884 * 100 == 64.08840000000001
    assert clean_percent(0.640884 * 100) == 64.0884
    assert clean_percent(clean_percent(0.640884 * 100)) == 64.0884
    assert ServiceScore(wer_percent=0.640884 * 100).wer_percent == 64.0884


@pytest.mark.parametrize(("value", "shown"), [
    (6.5, "6.50"), (0.125, "0.13"), (-0.125, "-0.13"), (-0.004, "0.00"), (1e-12, "0.00"),
])
def test_fixed(value: float, shown: str) -> None:
    assert fixed(value) == shown


def test_signed_shows_the_direction() -> None:
    assert (signed(0.4), signed(-34.26), signed(0.0), signed(-0.001)) == (
        "+0.40", "-34.26", "0.00", "0.00")


def test_relative_change() -> None:
    assert WerChange(42.0, 7.7).describe() == "WER 42.00 % \u2192 7.70 % (-34.30 points, -81.7 %)"
    assert WerChange(0.0, 1.0).describe() == "WER 0.00 % \u2192 1.00 % (+1.00 points)"
    assert WerChange(6.0, 6.0).outputs()["wer-delta"] == "0.00"
