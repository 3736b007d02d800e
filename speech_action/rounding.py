"""Rounding of WER figures: the primitives every shown figure goes through (a leaf module).

Percent values arrive as `fraction * 100` in binary floats, which leaves noise such as
`64.08840000000001`. `clean_percent` cuts it at ten decimals (far below what is shown and
above the noise); `exact` gives the decimal a float stands for, so differences are decimal
(`64.0884 - 29.8334` is `34.2550` and rounds to 34.26 on every path); `fixed` and `signed`
round half away from zero. `report.figures` builds the outputs and the first line on these;
the gate's reasons (`scoring`) use them too, so a reason and the summary never differ in
the last digit. This module imports nothing of the package, so both can use it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

__all__ = ["clean_percent", "exact", "fixed", "signed"]

_NOISE_PLACES = 10
# Enough digits for any finite float with its decimals (records stop at 1000 %, but a
# chart must not crash on whatever number a caller hands it).
_WIDE = Context(prec=400, rounding=ROUND_HALF_UP)


def exact(value: float) -> Decimal:
    """The decimal the float stands for, without binary noise."""
    return Decimal(f"{value:.{_NOISE_PLACES}f}")


def clean_percent(value: float) -> float:
    """`value` without binary noise (`64.08840000000001` -> `64.0884`); idempotent."""
    return float(exact(value)) if abs(value) < 1e6 else value


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), context=_WIDE)


def fixed(value: float | Decimal, places: int = 2) -> str:
    """`value` with `places` decimals, half away from zero: `6.5` -> `6.50`."""
    precise = value if isinstance(value, Decimal) else exact(value)
    rounded = _rounded(precise, places)
    return f"{abs(rounded) if rounded == 0 else rounded:f}"  # never "-0.00"


def signed(value: float | Decimal, places: int = 2) -> str:
    """`fixed` with its sign always shown (`+0.40`, `-34.26`; `0.00` for no change)."""
    text = fixed(value, places)
    return text if text.startswith("-") or Decimal(text) == 0 else f"+{text}"
