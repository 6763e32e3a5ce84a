from decimal import Decimal

import pytest

from core import money

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, 1),  # Python's round(0.5) is 0
        (2.5, 3),  # Python's round(2.5) is 2
        (-0.5, -1),  # ties go away from zero
        (1.5, 2),
        (2.4999, 2),
        (Decimal("5.5"), 6),
        (Decimal("60.5"), 61),
        ("-2.5", -3),
    ],
)
def test_half_up_rounds_ties_away_from_zero(value, expected):
    assert money.half_up_int(value) == expected


def test_half_up_with_places_and_binary_floats():
    assert money.round_half_up(2.675, 2) == Decimal("2.68")  # float 2.675 is 2.67499…
    assert money.round_half_up(Decimal("0.125"), 2) == Decimal("0.13")


def test_thousands():
    assert money.thousands(1_500) == 2
    assert money.thousands(1_499) == 1
    assert money.thousands(511_027_000) == 511_027


def test_formatting():
    assert money.format_ntd(1_234_567) == "NT$1,234,567"
    assert money.format_ntd(-2_500) == "-NT$2,500"
    assert money.format_thousands(144_982_400) == "144,982"
    assert money.format_thousands(144_982_500) == "144,983"
    assert money.format_percent(1, 8) == "13%"  # 12.5 → 13
    assert money.format_percent(3, 0) == ""
