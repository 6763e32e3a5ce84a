"""Filings of the canonical fixture, made through the real services at dates inside their
windows (time-machine), so tests start from a submitted filing."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.ledger import catalog
from kpi.models import FilingKind

TAIPEI = ZoneInfo("Asia/Taipei")


def at(year, month, day, hour=12, minute=0, second=0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TAIPEI)


def full_targets(value=1) -> dict:
    return {item.code: value for item in catalog.TARGETED}


def submitted_expected(people, roc_year=106, targets=None):
    ay = people.alliance_years[roc_year]
    filing = filing_selectors.filing_of(ay, FilingKind.EXPECTED)
    with time_machine.travel(at(roc_year + 1911, 4, 10), tick=False):
        filing = filings.targets_save(
            filing=filing, by=people.pi, targets=targets or full_targets()
        )
        return filings.filing_submit(
            filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )


def submitted_first_filing(people, roc_year=106):
    """The expected outcomes and the first KPI filing of the year, both submitted."""
    submitted_expected(people, roc_year)
    ay = people.alliance_years[roc_year]
    filing = filing_selectors.filing_of(ay, FilingKind.FIRST)
    with time_machine.travel(at(roc_year + 1911, 10, 20), tick=False):
        return filings.filing_submit(
            filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )


def answers(filing, text="已補上傳發票並更正紀錄帳。") -> dict:
    """An answer to every finding the filing was returned with (a resubmission needs one)."""
    from kpi.filings import panels

    if filing.pk is None:
        return {}
    filing.refresh_from_db()  # the test's object may predate the return
    found = panels.open_findings(filing)
    return {row["key"]: text for row in found["rows"]} if found else {}
