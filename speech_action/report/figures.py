"""Every WER figure a person or a script sees, rounded in one place.

Rounding happens here (on the primitives of `speech_action.rounding`, which the gate's
reasons share) and nowhere else, once per figure, from the unrounded values: the
change is `benchmark - wer` of the full values (never of two rounded strings), then the
WERs, the change and the relative change are each rounded to what is shown (two decimals,
one for the relative change), half away from zero. A mode's outputs and its report's first
line both come from `WerChange`, so train-and-gate and a later deploy of the same model
(which reads the same floats back from the records) say exactly the same numbers.

Percent values arrive as `fraction * 100` in binary floats, with noise such as
`64.08840000000001`; `clean_percent` cuts it, so models and records keep the value the
service meant, and the arithmetic is decimal (`speech_action.rounding`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from speech_action.rounding import clean_percent, exact, fixed, signed

__all__ = ["WerChange", "clean_percent", "fixed", "signed"]


@dataclass(frozen=True)
class WerChange:
    """A benchmark WER and a model's WER (percent, unrounded) and what is shown of them."""

    benchmark_wer: float
    wer: float

    @property
    def gain(self) -> Decimal:
        """`benchmark - wer` of the unrounded values: positive is better."""
        return exact(self.benchmark_wer) - exact(self.wer)

    @property
    def relative(self) -> Decimal | None:
        """The change of the WER relative to the benchmark's (negative is better); None
        when the benchmark WER is 0 (any change is then infinitely large)."""
        base = exact(self.benchmark_wer)
        return None if base == 0 else -self.gain / base * 100

    def outputs(self) -> dict[str, str]:
        """`wer`, `benchmark-wer` and `wer-delta` (the gain, positive is better)."""
        return {"wer": fixed(self.wer), "benchmark-wer": fixed(self.benchmark_wer),
                "wer-delta": fixed(self.gain)}

    def change_points(self) -> str:
        """The WER's own change in points, signed (`-34.78`, `+3.55`): negative is better."""
        return signed(-self.gain)

    def describe(self) -> str:
        """`WER 52.17 % → 17.39 % (-34.78 points, -66.7 %)`: the WER's own change."""
        change = f"{self.change_points()} points"
        relative = self.relative
        if relative is not None:
            change += f", {signed(relative, 1)} %"
        return f"WER {fixed(self.benchmark_wer)} % \u2192 {fixed(self.wer)} % ({change})"
