"""A submission racing a ledger edit (PostgreSQL): the snapshot reflects one consistent
state of the ledger. The edit holds the alliance-year's ledger lock until it commits; the
submission waits for it and then sees all of it, never half."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, transaction

from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.ledger import services as ledger
from kpi.models import Filing, FilingKind, RevenueEntry
from tests.filing_helpers import at, submitted_expected


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL, which CI runs")


def test_a_submit_racing_an_edit_snapshots_one_consistent_ledger_state(postgresql, people):
    submitted_expected(people)
    ay = people.alliance_years[106]
    Filing.objects.create(alliance_year=ay, kind=FilingKind.FIRST)  # a draft exists already
    edited, release = threading.Event(), threading.Event()
    outcome = {}

    def edit():
        try:
            with transaction.atomic():
                for amount, day in ((50_000, 3), (1, 4)):
                    ledger.record_save(
                        record=RevenueEntry(
                            alliance_year=ay,
                            kind="other_operating",
                            amount=amount,
                            date=dt.date(2017, 6, day),
                        ),
                        by=people.assistant,
                    )
                    if amount == 50_000:
                        edited.set()  # one record saved, the other not yet
                        release.wait(10)
        finally:
            connection.close()

    def submit():
        edited.wait(10)
        try:
            outcome["version"] = filings.filing_submit(
                filing=filing_selectors.filing_of(ay, FilingKind.FIRST),
                by=people.pi,
                certified_name=people.pi.name,
                confirmed=True,
            )
        finally:
            connection.close()

    with time_machine.travel(at(2017, 10, 20), tick=True):
        editor, submitter = threading.Thread(target=edit), threading.Thread(target=submit)
        editor.start()
        submitter.start()
        submitter.join(1.0)
        assert submitter.is_alive(), "the submission did not wait for the edit in progress"
        release.set()
        editor.join(20)
        submitter.join(20)
    version = outcome["version"]
    items = dict(version.items.values_list("code", "counted"))
    records = version.records.filter(source="revenue", kind="other_operating")
    assert items["R-OTHER"] == 50_001
    assert sorted(records.values_list("amount", flat=True)) == [1, 50_000]
    # Items and records agree: the snapshot is of one ledger state.
    counted = sum(
        version.records.filter(source="revenue", counted=True).values_list(
            "counted_amount", flat=True
        )
    )
    assert counted == items["R-TOTAL-C"]
