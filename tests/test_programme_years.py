"""The office edits a programme year's calendar; filings follow the new deadlines."""

import datetime as dt

import time_machine

from alliances.models import ProgrammeYear
from core.models import AuditEvent
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import FilingKind
from tests.filing_helpers import at, submitted_expected


def _form(year: ProgrammeYear, **changes) -> dict:
    from alliances.services import PROGRAMME_YEAR_FIELDS

    data = {}
    for name in PROGRAMME_YEAR_FIELDS:
        value = getattr(year, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(changes)
    return data


def test_the_office_moves_a_deadline_and_the_filing_follows(client, people):
    submitted_expected(people)
    year = ProgrammeYear.objects.get(roc_year=106)
    client.force_login(people.office)
    assert "106.10.31" in client.get("/office/years/106/").content.decode()
    response = client.post("/office/years/106/", _form(year, first_kpi_due="106.11.06"))
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.first_kpi_due == dt.date(2017, 11, 6)
    event = AuditEvent.objects.get(action="programme_year.changed")
    assert event.before["first_kpi_due"] == "2017-10-31"
    assert event.after["first_kpi_due"] == "2017-11-06"
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    with time_machine.travel(at(2017, 11, 6, 23, 59), tick=False):
        version = filings.filing_submit(
            filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
    assert version.through == dt.date(2017, 11, 6)  # cumulative to its (new) due date


def test_a_window_that_closes_before_it_opens_is_refused_and_nothing_changes(client, people):
    year = ProgrammeYear.objects.get(roc_year=106)
    client.force_login(people.office)
    response = client.post(
        "/office/years/106/", _form(year, first_kpi_opens="106.11.01", first_kpi_due="106.10.31")
    )
    assert response.status_code == 400
    assert "第一次KPI填報" in response.content.decode()
    year.refresh_from_db()
    assert year.first_kpi_opens == dt.date(2017, 2, 1)
    assert not AuditEvent.objects.filter(action__startswith="programme_year").exists()


def test_the_office_opens_the_next_year_with_the_calendar_filled_in(client, people):
    client.force_login(people.office)
    page = client.get("/office/years/new/").content.decode()
    assert 'value="107"' in page and "107.04.15" in page and "108.01.31" in page
    data = _form(ProgrammeYear(roc_year=107, **ProgrammeYear.calendar_defaults(107)))
    data["roc_year"] = 107
    assert client.post("/office/years/new/", data).status_code == 302
    assert ProgrammeYear.objects.get(roc_year=107).second_kpi_due == dt.date(2019, 1, 31)
    client.force_login(people.viewer)
    assert "107" in client.get("/office/years/").content.decode()
    assert client.post("/office/years/new/", data).status_code == 404
