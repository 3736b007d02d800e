"""Every WER figure a person or a script sees, rounded in one place.

Rounding happens here and nowhere else, once per figure, from the unrounded values: the
change is `benchmark - wer` of the full values (never of two rounded strings), then the
WERs, the change and the relative change are each rounded to what is shown (two decimals,
one for the relative change), half away from zero. A mode's outputs and its report's first
line both come from `WerChange`, so train-and-gate and a later deploy of the same model
(which reads the same floats back from the records) say exactly the same numbers.

Percent values arrive as `fraction * 100` in binary floats, which leaves noise such as
`64.08840000000001`. `clean_percent` cuts it at ten decimals (far below what is shown and
above the noise), so models and records keep the value the service meant; the arithmetic
here is decimal, so `64.0884 - 29.8334` is `34.2550` and rounds to 34.26 on every path.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = ["WerChange", "clean_percent", "fixed", "signed"]

_NOISE_PLACES = 10
# Enough digits for any finite float with its decimals (records stop at 1000 %, but a
# chart must not crash on whatever number a caller hands it).
_WIDE = Context(prec=400, rounding=ROUND_HALF_UP)


def _exact(value: float) -> Decimal:
    """The decimal the float stands for, without binary noise."""
    return Decimal(f"{value:.{_NOISE_PLACES}f}")


def clean_percent(value: float) -> float:
    """`value` without binary noise (`64.08840000000001` -> `64.0884`); idempotent."""
    return float(_exact(value)) if abs(value) < 1e6 else value


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), context=_WIDE)


def fixed(value: float | Decimal, places: int = 2) -> str:
    """`value` with `places` decimals, half away from zero: `6.5` -> `6.50`."""
    exact = value if isinstance(value, Decimal) else _exact(value)
    rounded = _rounded(exact, places)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"  # never "-0.00"


def signed(value: float | Decimal, places: int = 2) -> str:
    """`fixed` with its sign always shown (`+0.40`, `-34.26`; `0.00` for no change)."""
    text = fixed(value, places)
    return text if text.startswith("-") or Decimal(text) == 0 else f"+{text}"


@dataclass(frozen=True)
class WerChange:
    """A benchmark WER and a model's WER (percent, unrounded) and what is shown of them."""

    benchmark_wer: float
    wer: float

    @property
    def gain(self) -> Decimal:
        """`benchmark - wer` of the unrounded values: positive is better."""
        return _exact(self.benchmark_wer) - _exact(self.wer)

    @property
    def relative(self) -> Decimal | None:
        """The change of the WER relative to the benchmark's (negative is better); None
        when the benchmark WER is 0 (any change is then infinitely large)."""
        base = _exact(self.benchmark_wer)
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
