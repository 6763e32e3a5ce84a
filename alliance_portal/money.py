"""Money and rounding.

Amounts are stored as whole NT$ (integers). Reports show 仟元 (NT$ thousands). Rounding is
half up — ties go away from zero (0.5 → 1, 2.5 → 3, −0.5 → −1) — unlike Python's round(),
which rounds ties to even; and it is only ever applied for display (domain.md §7).
"""

from decimal import ROUND_HALF_UP, Decimal
from numbers import Number


def _decimal(value: Number | str | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # repr() gives the shortest decimal that round-trips: 2.675 stays 2.675.
        return Decimal(repr(value))
    return Decimal(value)


def round_half_up(value: Number | str | Decimal, places: int = 0) -> Decimal:
    """Round half up (away from zero) to `places` decimal places."""
    exponent = Decimal(1).scaleb(-places)
    return _decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def half_up_int(value: Number | str | Decimal) -> int:
    return int(round_half_up(value, 0))


def thousands(amount_ntd: int | Decimal, places: int = 0) -> Decimal:
    """NT$ → 仟元, rounded half up: 1_500 → 2, 1_499 → 1."""
    return round_half_up(_decimal(amount_ntd) / 1000, places)


def _grouped(value: Decimal, places: int) -> str:
    return f"{round_half_up(value, places):,.{places}f}"


def format_ntd(amount_ntd: int | Decimal | None) -> str:
    """NT$1,234,567"""
    if amount_ntd is None:
        return ""
    sign = "-" if amount_ntd < 0 else ""
    return f"{sign}NT${_grouped(abs(_decimal(amount_ntd)), 0)}"


def format_thousands(amount_ntd: int | Decimal | None, places: int = 0) -> str:
    """1,235 (仟元) from NT$1,234,567; the unit is named in the column head."""
    if amount_ntd is None:
        return ""
    return _grouped(_decimal(amount_ntd) / 1000, places)


def format_percent(numerator, denominator, places: int = 0) -> str:
    """Share as a percentage, half up; an empty string when the denominator is zero."""
    if not denominator:
        return ""
    return f"{_grouped(_decimal(numerator) * 100 / _decimal(denominator), places)}%"
