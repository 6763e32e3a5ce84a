"""One vocabulary for a filing's status (issue 27): the review overview, the filing page,
the year's filings and the API say the same word for the same filing — "not started"
before anything is in it, "draft" once the ledger holds a record, "overdue" once its
deadline has passed (the office's own reading, now everyone's)."""

import re

import pytest
import time_machine
from django.conf import settings

from accounts.services import api_token_create
from kpi.models import Activity, Outcome, RevenueEntry
from tests.filing_helpers import at

pytestmark = pytest.mark.django_db


def statuses(client, people, raw) -> dict:
    """The first KPI filing of 106 of the fixture's alliance, as each place says it."""
    a = people.alliance
    overview = client.get("/office/review/106/first/").content.decode()
    row = overview.split(f"{a.code} {a.name}", 1)[1].split("</tr>", 1)[0]
    page = client.get(f"/alliances/{a.pk}/filings/106/first/").content.decode()
    listing = client.get(f"/alliances/{a.pk}/filings/106/").content.decode()
    listed = listing.split(f"/alliances/{a.pk}/filings/106/first/", 1)[1].split("</tr>", 1)[0]
    api = client.get(
        f"/api/v1/alliances/{a.code}/years/106/filings/", HTTP_AUTHORIZATION=f"Bearer {raw}"
    ).json()["results"]
    first = next(f for f in api if f["kind"] == "first")
    span = re.compile(r'<span class="state state-(\w+)">([^<]+)</span>')
    return {
        "overview": span.search(row).groups(),
        "filing page": span.search(page.split('<dl class="facts">', 1)[1]).groups(),
        "filings of the year": span.search(listed).groups(),
        "api": (first["status"], first["status_label"]),
    }


@pytest.mark.parametrize(
    ("when", "records", "expected"),
    [
        (at(2017, 9, 1), False, ("not_started", "Not started")),
        (at(2017, 9, 1), True, ("draft", "Draft")),
        (at(2017, 11, 2), True, ("overdue", "Overdue")),
    ],
)
def test_a_filing_reads_the_same_everywhere(client, people, when, records, expected):
    if not records:
        for model in (RevenueEntry, Outcome, Activity):
            model.objects.filter(alliance_year=people.alliance_years[106]).delete()
    people.office.preferred_language = "en"  # the API answers in the token owner's language
    people.office.save()
    _token, raw = api_token_create(user=people.office, name="status", days=30)
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(when, tick=False):
        found = statuses(client, people, raw)
    assert set(found.values()) == {expected}, found
