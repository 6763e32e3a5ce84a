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


# Fee bands of domain.md §7: the average membership fee per company member of an
# alliance-year in whole 仟元 (rounded half up), placed in twelve bands.
FEE_BAND_LIMITS = (
    ("0-5", 5),
    ("6-10", 10),
    ("11-15", 15),
    ("16-20", 20),
    ("21-25", 25),
    ("26-30", 30),
    ("31-35", 35),
    ("36-40", 40),
    ("41-45", 45),
    ("46-50", 50),
    ("51-60", 60),
    ("61+", None),
)
FEE_BAND_LABELS = tuple(label for label, _limit in FEE_BAND_LIMITS)


def average_fee_thousands(fees_ntd: int, company_members: int) -> int | None:
    """All members' fees ÷ company members, in whole 仟元, half up; None without members."""
    if not company_members:
        return None
    return half_up_int(_decimal(fees_ntd) / company_members / 1000)


def fee_band(average_thousands: int) -> str:
    """The band label of an average fee per company member (5.5 → 6 → "6-10")."""
    for label, limit in FEE_BAND_LIMITS:
        if limit is None or average_thousands <= limit:
            return label
    return FEE_BAND_LABELS[-1]
