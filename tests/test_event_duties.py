"""Acceptance 2 of issue 11: the duty views list exactly the missing alliances of a case
built to test them.

The case, programme year 106 (alliances running in 106: CIVIL001, CIVIL002, ELEC001,
ELEC002, ELEC003, MECH001, MECH002; MECH009 ran in 105 only and is never listed):

exchange meeting for 機電材料 + 電子 (also 土木能環 when CIVIL001 registered; the office then
narrowed it):
  MECH001  two named, one present, one absent  → attended
  MECH002  confirmed, marked absent            → missing
  ELEC001  present                             → attended
  ELEC002  never registered                    → missing
  ELEC003  never registered                    → missing
  CIVIL001 present, but its field is not covered → does not matter
a second exchange meeting (土木能環), cancelled → no duty at all

training, 北部場 (3 seats), 南部場, a 中部場 that was cancelled, and a session stored in
programme year 105 though held in 106's months:
  CIVIL001 two named at 北部場, one present   → attended
  ELEC001  present at 北部場                  → attended
  CIVIL002 waitlisted at 北部場, never confirmed; present at the 105 session → missing
  MECH001  present at 南部場                  → attended
  MECH002  confirmed at 南部場, marked absent → missing
  ELEC002  registered at 南部場, cancelled    → missing
  ELEC003  present only at the cancelled 中部場 → missing
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear, TeamType
from events import selectors, services
from events.models import Event, EventKind, RegistrationStatus

pytestmark = pytest.mark.django_db

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")


def _alliance(code: str, field: str, years=(106,)) -> Alliance:
    alliance = Alliance.objects.create(
        code=code,
        name_zh=f"{code}產學小聯盟",
        field=Field.objects.get(code=field),
        institution="國立測試大學",
        team_type=TeamType.SAME_SCHOOL,
    )
    for roc_year in years:
        AllianceYear.objects.create(
            alliance=alliance,
            programme_year=ProgrammeYear.objects.get(roc_year=roc_year),
            phase=1,
            phase_year=1,
            subsidy=2_000_000,
            collaboration_weight=100,
        )
    return alliance


def _event(office, kind, title, day, *, year=106, fields=(), capacity=None, **extra) -> Event:
    return services.event_save(
        event=Event(
            kind=kind,
            title=title,
            programme_year=ProgrammeYear.objects.get(roc_year=year),
            date=day,
            starts=dt.time(14, 0),
            ends=dt.time(16, 0),
            venue="國立測試大學",
            capacity=capacity,
            registration_deadline=day - dt.timedelta(days=2),
            **extra,
        ),
        fields=[Field.objects.get(code=code) for code in fields],
        by=office,
    )


def _people(*names):
    return [{"name": name, "email": "", "title": "助理"} for name in names]


def _mark(event, office, **present):
    """Mark the named attendees of the event present (True) or absent (False)."""
    marks = {}
    for registration in event.registrations.filter(status=RegistrationStatus.CONFIRMED):
        for attendee in registration.attendees.all():
            if attendee.name in present:
                marks[attendee.pk] = present[attendee.name]
    assert len(marks) == len(present)
    services.attendance_mark(event=event, marks=marks, by=office)


@pytest.fixture
def case(people):
    office = people.office
    a = {"MECH001": people.alliance, "CIVIL001": people.other_alliance}
    for code, field in [
        ("MECH002", "mech"),
        ("ELEC001", "elec"),
        ("ELEC002", "elec"),
        ("ELEC003", "elec"),
        ("CIVIL002", "civil"),
    ]:
        a[code] = _alliance(code, field)
    a["MECH009"] = _alliance("MECH009", "mech", years=(105,))  # not running in 106

    def register(event, code, *names, by=office):
        return services.register(event=event, alliance=a[code], attendees=_people(*names), by=by)

    with time_machine.travel(dt.datetime(2017, 3, 1, 9, tzinfo=TAIPEI), tick=False):
        exchange = _event(
            office,
            EventKind.EXCHANGE,
            "106年度領域觀摩交流會",
            dt.date(2017, 6, 20),
            fields=("mech", "elec", "civil"),
            capacity=50,
        )
        register(exchange, "MECH001", "林主持人", "張共同主持人", by=people.pi)
        register(exchange, "MECH002", "王小明")
        register(exchange, "ELEC001", "李大同")
        register(exchange, "CIVIL001", "陳主持人")
        # The office narrows the meeting to 機電材料 and 電子; CIVIL001 stays registered.
        services.event_save(
            event=exchange,
            fields=[Field.objects.get(code="mech"), Field.objects.get(code="elec")],
            by=office,
        )
        civil_meeting = _event(
            office, EventKind.EXCHANGE, "土木能環觀摩交流會", dt.date(2017, 7, 4), fields=["civil"]
        )

        north = _event(
            office,
            EventKind.TRAINING,
            "系統平台操作說明會（北部場）",
            dt.date(2017, 3, 8),
            capacity=3,
            region="北部場",
        )
        south = _event(
            office,
            EventKind.TRAINING,
            "系統平台操作說明會（南部場）",
            dt.date(2017, 3, 10),
            capacity=20,
            region="南部場",
        )
        central = _event(
            office,
            EventKind.TRAINING,
            "系統平台操作說明會（中部場）",
            dt.date(2017, 3, 9),
            region="中部場",
        )
        stored_105 = _event(
            office,
            EventKind.TRAINING,
            "105年度補充說明會",
            dt.date(2017, 3, 9),
            year=105,
            region="北部場",
        )
        assert register(north, "CIVIL001", "甲", "乙").status == RegistrationStatus.CONFIRMED
        assert register(north, "ELEC001", "丙").status == RegistrationStatus.CONFIRMED
        waiting = register(north, "CIVIL002", "丁")
        assert waiting.status == RegistrationStatus.WAITLISTED
        register(south, "MECH001", "黃助理", by=people.pi)
        register(south, "MECH002", "戊")
        services.registration_cancel(registration=register(south, "ELEC002", "己"), by=office)
        register(central, "ELEC003", "庚")
        register(stored_105, "CIVIL002", "丁")

    _mark(
        exchange,
        office,
        林主持人=True,
        張共同主持人=False,
        王小明=False,
        李大同=True,
        陳主持人=True,
    )
    _mark(north, office, 甲=False, 乙=True, 丙=True)
    _mark(south, office, 黃助理=True, 戊=False)
    _mark(central, office, 庚=True)
    _mark(stored_105, office, 丁=True)
    for event in (central, civil_meeting):
        services.event_cancel(event=event, by=office, reason="場地無法使用")
    return {
        "alliances": a,
        "exchange": exchange,
        "civil_meeting": civil_meeting,
        "waiting": waiting,
        "north": north,
    }


def codes(alliances) -> list[str]:
    return [alliance.code for alliance in alliances]


def test_exchange_duties_list_exactly_the_absent_alliances_of_the_meetings_fields(case):
    duties = selectors.exchange_duties(106)
    # One duty: the cancelled 土木能環 meeting is no duty.
    assert [d.event for d in duties] == [case["exchange"]]
    # Field order (電子 before 機電材料), then code; MECH001 came (one of its two), CIVIL001
    # came but its field is not covered, MECH009 does not run in 106.
    assert codes(duties[0].missing) == ["ELEC002", "ELEC003", "MECH002"]
    assert selectors.exchange_duties(105) == []


def test_training_lists_exactly_the_running_alliances_with_nobody_present(case):
    # CIVIL002 waited and was never confirmed (its presence at a session stored in 105
    # does not count in 106), ELEC002 cancelled, ELEC003 was at a session that was then
    # cancelled, MECH002 was absent. MECH009 does not run in 106: never listed.
    assert codes(selectors.training_missing(106)) == ["CIVIL002", "ELEC002", "ELEC003", "MECH002"]


def test_the_waitlisted_cannot_be_marked_present_and_change_nothing(case, people):
    waiting = case["waiting"]
    attendee = waiting.attendees.get()
    with pytest.raises(services.EventError):
        services.attendance_mark(event=case["north"], marks={attendee.pk: True}, by=people.office)
    assert "CIVIL002" in codes(selectors.training_missing(106))


def test_an_alliance_of_another_field_cannot_register_for_the_exchange_meeting(case, people):
    with (
        time_machine.travel(dt.datetime(2017, 3, 1, 9, tzinfo=TAIPEI), tick=False),
        pytest.raises(services.EventError),
    ):
        services.register(
            event=case["exchange"],
            alliance=case["alliances"]["CIVIL002"],
            attendees=_people("辛"),
            by=people.office,
        )


def test_marking_a_missing_alliance_present_takes_it_off_the_duty_lists(case, people):
    exchange = case["exchange"]
    absent = exchange.registrations.get(alliance__code="MECH002").attendees.get()
    services.attendance_mark(event=exchange, marks={absent.pk: True}, by=people.office)
    assert codes(selectors.exchange_duties(106)[0].missing) == ["ELEC002", "ELEC003"]
    assert "MECH002" in codes(selectors.training_missing(106))  # training is its own duty


def test_the_duty_page_and_its_workbook_list_exactly_those_alliances(case, people, client):
    import io

    from openpyxl import load_workbook

    client.force_login(people.viewer)
    page = client.get("/office/events/duties/?year=106").content.decode()
    training_list = page.split('id="training-missing"', 1)[1].split("</ul>", 1)[0]
    assert [c for c in ("CIVIL002", "ELEC002", "ELEC003", "MECH002") if c in training_list] == [
        "CIVIL002",
        "ELEC002",
        "ELEC003",
        "MECH002",
    ]
    assert "MECH001" not in training_list and "MECH009" not in page
    response = client.get("/office/events/duties/?year=106&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    exchange = [r[5] for r in rows if r[1] == "領域觀摩交流會"]
    training = [r[5] for r in rows if r[1] == "系統平台操作說明會"]
    assert exchange == ["ELEC002", "ELEC003", "MECH002"]
    assert training == ["CIVIL002", "ELEC002", "ELEC003", "MECH002"]
    assert all(isinstance(r[0], int) for r in rows)


def test_a_meeting_still_to_come_lists_nobody_as_missing(people):
    import datetime as dt

    from alliances.models import Field, ProgrammeYear
    from core import roc
    from events.models import Event

    year = ProgrammeYear.objects.get(roc_year=106)
    services.event_save(
        event=Event(
            kind="exchange",
            title="下個月的交流會",
            programme_year=year,
            date=roc.today() + dt.timedelta(days=30),
        ),
        fields=[Field.objects.get(code="mech")],
        by=people.office,
    )
    [duty] = selectors.exchange_duties(106)
    assert duty.upcoming and duty.missing == []
