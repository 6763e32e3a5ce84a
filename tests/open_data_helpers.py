"""Published years for the open-data tests and the permission matrix: alliance-years whose
second filings are all accepted (imported, as past years are), each year's imported at a
moment of its own (Asia/Taipei), so that data dates can be told apart."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from core import roc
from tests.report_helpers import alliance_with_figures, zeros

TAIPEI = ZoneInfo("Asia/Taipei")
FIELDS = ("mech", "ict", "civil", "biomed", "chem")
PREFIX = "OPEN"


def accepted_at(roc_year: int) -> dt.datetime:
    """When the fixture accepts a year's figures: just after midnight in Taipei (the day
    before in UTC), in the February after the year."""
    return dt.datetime(roc.ad_year(roc_year) + 1, 2, 21, 0, 30, tzinfo=TAIPEI)


def values(n: int, year: int) -> dict:
    """Figures that differ by alliance and year, spread over the fee bands; alliance 0 has
    no company member in the first year (listed apart from the fee bands)."""
    members = 0 if (n == 0 and year % 5 == 0) else 2 + (7 * n + year) % 19
    return zeros(
        **{
            "M-COMPANY": members,
            "R-FEE": members * 1_000 * ((13 * n + 3 * year) % 70),
            "R-SERVICE": 123_456 * (n + 1) + year,
            "R-OTHER": 5_500 * n,
            "R-TRANSFER": 250_499 * (n % 2),
            "R-COLLAB": 1_000_500 * (n % 3),
        }
    )


def publish(first: int, last: int, *, alliances: int = 4, start: int = 0) -> None:
    """Alliances numbered start..start+alliances-1, each with accepted figures in every year
    of first..last (continuing alliances, several fields)."""
    for year in range(first, last + 1):
        with time_machine.travel(accepted_at(year), tick=False):
            for n in range(start, start + alliances):
                alliance_with_figures(
                    f"{PREFIX}{n:03d}",
                    field=FIELDS[n % len(FIELDS)],
                    year=year,
                    phase=1 if year - first < 3 else 2,
                    phase_year=(year - first) % 3 + 1,
                    **values(n, year),
                )


def open_data_samples() -> dict:
    """The permission matrix's arguments of the open-data URLs: a published year and a
    published span (100–104)."""
    publish(100, 104, alliances=2)
    return {"roc_year": 104, "first": 100, "last": 104}
