"""An event's dates lie in its programme year (N.02.01 to (N+1).01.31), or the office
confirms that they do not (an event of a year may be held in the January before it): the
form says which date is outside, which year it falls in, and how to confirm."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from alliances.models import ProgrammeYear
from core.models import AuditEvent
from events.models import Event
from tests.event_helpers import training

pytestmark = pytest.mark.django_db

CONFIRM = 'type="checkbox" name="confirm_outside_year"'


def form_data(**changes) -> dict:
    data = {
        "kind": "training",
        "title": "系統平台操作說明會（中部場）",
        "programme_year": ProgrammeYear.objects.get(roc_year=106).pk,
        "date": "106.03.02",
        "date_precision": "day",
        "starts": "14:00",
        "ends": "16:00",
        "venue": "逢甲大學",
        "registration_deadline": "106.02.28",
    }
    data.update(changes)
    return data


@pytest.fixture
def office(client, people):
    client.cookies["django_language"] = "en"
    client.force_login(people.office)
    # The requests leave English active; the tests after these do not inherit it.
    with translation.override(translation.get_language()):
        yield client


def audit_after(event) -> dict:
    return (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Event), target_id=str(event.pk)
        )
        .latest("pk")
        .after
    )


def test_a_date_in_its_programme_year_is_saved_without_a_question(office):
    assert CONFIRM not in office.get(reverse("event_new")).content.decode()
    response = office.post(reverse("event_new"), form_data())
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.date == dt.date(2017, 3, 2)
    assert "outside_programme_year" not in audit_after(event)


def test_a_date_years_away_is_refused_with_the_reason_until_the_office_confirms(office):
    url = reverse("event_new")
    response = office.post(url, form_data(date="116.03.02", registration_deadline="116.02.28"))
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "116.03.02 is outside programme year 106 (106.02.01–107.01.31); it falls in "
        "programme year 116." in page
    )
    assert "116.02.28 is outside programme year 106 (106.02.01–107.01.31)." in page
    assert "Correct the date or the programme year" in page
    assert "tick “The date is outside the programme year on purpose” and save again" in page
    assert CONFIRM in page
    assert not Event.objects.exists()

    response = office.post(
        url,
        form_data(date="116.03.02", registration_deadline="116.02.28", confirm_outside_year="on"),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.date == dt.date(2027, 3, 2)
    assert audit_after(event)["outside_programme_year"] == ["date", "registration_deadline"]


def test_the_january_before_its_year_falls_in_the_year_before(office):
    """The demo's first 107 matching meeting is on 107.01.16, in programme year 106."""
    response = office.post(
        reverse("event_new"),
        form_data(date="106.01.16", registration_deadline="106.01.09"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "106.01.16 is outside programme year 106 (106.02.01–107.01.31); it falls in " in page
    assert "programme year 105." in page


def test_a_registration_deadline_outside_the_year_is_refused_on_its_own(office):
    response = office.post(
        reverse("event_new"), form_data(date="106.02.03", registration_deadline="106.01.25")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "106.01.25 is outside programme year 106 (106.02.01–107.01.31)." in page
    assert "106.02.03 is outside" not in page
    assert not Event.objects.exists()


def test_a_date_known_to_its_month_counts_as_its_month(office):
    url = reverse("event_new")
    outside = form_data(date="107.02.01", date_precision="month", registration_deadline="")
    response = office.post(url, outside)
    assert response.status_code == 400
    assert "107.02 is outside programme year 106" in response.content.decode()

    last_month = form_data(date="107.01.01", date_precision="month", registration_deadline="")
    assert office.post(url, last_month).status_code == 302


def test_an_event_saved_outside_its_year_is_not_asked_again_until_a_date_changes(office, people):
    event = training(people, date=dt.date(2018, 3, 8), registration_deadline=dt.date(2018, 3, 6))
    assert audit_after(event)["outside_programme_year"] == ["date", "registration_deadline"]
    url = reverse("event_edit", kwargs={"event_id": event.pk})
    same = form_data(date="107.03.08", registration_deadline="107.03.06", title="改名")
    assert office.post(url, same).status_code == 302
    event.refresh_from_db()
    assert event.title == "改名"

    moved = form_data(date="107.03.09", registration_deadline="107.03.06", title="改名")
    response = office.post(url, moved)
    assert response.status_code == 400
    assert "107.03.09 is outside programme year 106" in response.content.decode()
    event.refresh_from_db()
    assert event.date == dt.date(2018, 3, 8)
