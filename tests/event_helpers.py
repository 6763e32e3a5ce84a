"""Events for tests: a 106 training session and the time before its deadline."""

import datetime as dt
import zoneinfo

import time_machine

from alliances.models import Alliance, AllianceRole, ProgrammeYear
from events import services
from events.models import Event

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")


def before_deadline():
    """2017-03-01 09:00 in Taipei: before the sessions below close."""
    return time_machine.travel(dt.datetime(2017, 3, 1, 9, 0, tzinfo=TAIPEI), tick=False)


def training(people, *, capacity=3, **changes):
    values = {
        "kind": "training",
        "title": "系統平台操作說明會（北部場）",
        "programme_year": ProgrammeYear.objects.get(roc_year=106),
        "date": dt.date(2017, 3, 8),
        "starts": dt.time(14, 0),
        "ends": dt.time(16, 0),
        "venue": "國立臺北科技大學共同科館413電腦教室",
        "region": "北部場",
        "capacity": capacity,
        "registration_deadline": dt.date(2017, 3, 6),
    }
    values.update(changes)
    return services.event_save(event=Event(**values), fields=[], by=people.office)


def alliance_with_pi(people, n: int, field="mech"):
    """Another alliance of `field` with its own PI (pi{n}@example.org)."""
    from accounts.services import user_create
    from alliances.models import Field

    alliance = Alliance.objects.create(
        name_zh=f"測試聯盟{n}",
        field=Field.objects.get(code=field),
        institution="國立測試大學",
        team_type="single_lab",
        code=f"T{n:03d}",
    )
    pi = user_create(email=f"pi{n}@example.org", name=f"主持人{n}")
    AllianceRole.objects.create(alliance=alliance, user=pi, role="pi", status="active")
    return alliance, pi


def people_named(*names):
    return [{"name": name, "email": "", "title": ""} for name in names]


def sample_event(people):
    """A training session with the fixture alliance registered and a material."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    event = training(people)
    with before_deadline():
        registration = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
    material = services.material_add(
        event=event,
        upload=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda"),
        title="議程",
        by=people.office,
    )
    return event, registration, material


def sample_announcement(people):
    """An announcement to everyone, with a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.announcement_post(
        title="系統維護公告",
        body="本週六平台維護。",
        roles=[],
        fields=[],
        files=[SimpleUploadedFile("notice.pdf", b"%PDF-1.4 notice")],
        by=people.office,
    )
