"""The demo's programme events of 107 (domain.md §6), with registrations and attendance
that leave some duties unmet:

- the five themed matching meetings of matching_meetings_107.csv (3–5 known only to the
  month, stored as the 1st with precision "month");
- the three platform training sessions of training_sessions_107.csv (40 seats each): the
  alliances running in 107 send one person each to the session of their region (the
  emptiest one when that is full); MECH001's assistant registered 黃助理 and a colleague;
  five alliances have nobody present (TRAINING_UNMET);
- one field exchange meeting for 機電材料 and 電子, 107.06.22, attended by the alliances
  of both fields but three (EXCHANGE_UNMET); MECH001's PI registered the PI and co-PI.

The events are made by `events.services.event_save` as office@example.org. The
registrations are not: `services.register` refuses a registration after the deadline or
the event's day by `roc.today()`, and the demo runs years after these 2018 events. So the
Registration and Attendee rows are created with the models, as they would have been then
(confirmed, one seat per attendee, never over capacity, registered before the deadline by
the alliance's PI or assistant where the demo has one, else by the office, which may
register any alliance); they have no audit events and sent no emails. Attendance is marked
through `services.attendance_mark` as the office, which takes marks for past events.

Deterministic (no randomness), and idempotent: nothing is made when an event exists.
"""

import datetime as dt
import zoneinfo

from accounts.models import User
from alliances.models import Alliance, Field, ProgrammeYear
from demo.plan import read_reference
from events import services
from events.models import (
    Attendee,
    DatePrecision,
    Event,
    EventKind,
    Registration,
    RegistrationStatus,
)

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
YEAR = 107
OFFICE = "office@example.org"
DEMO_ALLIANCE = "MECH001"

MATCHING_CAPACITY = 80
TRAINING_CAPACITY = 40
EXCHANGE_CAPACITY = 120

EXCHANGE = {
    "title": "107年度領域觀摩交流會（機電材料、電子）",
    "fields": ["mech", "elec"],
    "date": dt.date(2018, 6, 22),
    "starts": dt.time(13, 30),
    "ends": dt.time(17, 0),
    "venue": "國立成功大學 成功校區",
    "address": "台南市東區大學路1號",
    "description": "機電材料及電子領域各聯盟報告執行進度與成果，並可邀請會員或潛在會員廠商參加。",
}

# The duties left unmet, and how: "never" (no registration), "absent" (registered,
# everyone marked absent) or "cancelled" (registered, then cancelled).
EXCHANGE_UNMET = {"MECH007": "never", "ELEC004": "absent", "ELEC009": "cancelled"}
TRAINING_UNMET = {
    "CIVIL003": "absent",
    "CHEM005": "never",
    "BIOMED012": "absent",
    "SERVICE009": "cancelled",
    "ICT008": "never",
}
# Duties met, though not by everyone named: MECH005 named two for the exchange meeting, one
# stayed away; MGMT004 registered for two training sessions, absent at its own region's,
# present at the other.
EXCHANGE_PARTLY_ABSENT = "MECH005"
TRAINING_SECOND_TRY = "MGMT004"

# Training session of the alliance's institution (order of training_sessions_107.csv:
# 0 北部場, 1 中部場, 2 南部場); institutions not listed go north.
CENTRAL = {
    "逢甲大學",
    "東海大學",
    "國立勤益科技大學",
    "朝陽科技大學",
    "國立中興大學",
    "國立彰化師範大學",
    "國立虎尾科技大學",
    "國立雲林科技大學",
    "中國醫藥大學",
}
SOUTH = {
    "國立成功大學",
    "國立中正大學",
    "國立中山大學",
    "國立屏東科技大學",
    "國立高雄第一科技大學",
    "國立高雄應用科技大學",
    "高雄醫學大學",
    "義守大學",
    "南臺科技大學",
    "崑山科技大學",
    "國立東華大學",
}

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ["志明", "淑芬", "家豪", "怡君", "俊傑", "雅婷", "建宏", "佩君", "冠宇", "美玲"]
TITLES = ["專任助理", "技術經理", "博士後研究員", "計畫主持人", "共同主持人"]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TAIPEI)


def _person(n: int) -> str:
    return f"{SURNAMES[n % len(SURNAMES)]}{GIVEN[(n // len(SURNAMES)) % len(GIVEN)]}"


def load() -> int:
    """Make the events, registrations and attendance; returns how many rows were made."""
    if Event.objects.exists():
        return 0
    office = User.objects.get(email__iexact=OFFICE)
    year = ProgrammeYear.objects.get(roc_year=YEAR)
    fields = {f.code: f for f in Field.objects.all()}
    running = list(
        Alliance.objects.filter(years__programme_year=year)
        .select_related("field")
        .distinct()
        .order_by("field__order", "code")
    )
    made = _matching(year, office)
    sessions = _training_sessions(year, office)
    exchange = services.event_save(
        event=Event(
            kind=EventKind.EXCHANGE,
            programme_year=year,
            title=EXCHANGE["title"],
            date=EXCHANGE["date"],
            starts=EXCHANGE["starts"],
            ends=EXCHANGE["ends"],
            venue=EXCHANGE["venue"],
            address=EXCHANGE["address"],
            capacity=EXCHANGE_CAPACITY,
            registration_deadline=EXCHANGE["date"] - dt.timedelta(days=7),
            description=EXCHANGE["description"],
        ),
        fields=[fields[code] for code in EXCHANGE["fields"]],
        by=office,
    )
    made += len(sessions) + 1
    people = _demo_people()
    made += _training_registrations(sessions, running, people, office)
    made += _exchange_registrations(exchange, running, people, office)
    services.announcement_post(
        title="107年度系統平台操作說明會及領域觀摩交流會",
        body=(
            "107年度系統平台操作說明會於北、中、南三區舉辦，每個聯盟至少須派一人參加；"
            "機電材料及電子領域觀摩交流會訂於107年6月22日舉行，兩領域之聯盟均須出席並報告"
            "執行進度。請至「活動」頁報名。"
        ),
        roles=[],
        fields=[],
        files=[],
        by=office,
    )
    return made + 1


def _matching(year, office) -> int:
    made = 0
    for row in read_reference("matching_meetings_107.csv"):
        parts = [int(p) for p in row["date"].split("-")]
        month_only = len(parts) == 2
        day = dt.date(parts[0], parts[1], 1 if month_only else parts[2])
        services.event_save(
            event=Event(
                kind=EventKind.MATCHING,
                programme_year=year,
                title=row["theme_zh"],
                theme=row["theme_zh"],
                partners="、".join(p.strip() for p in row["partners_zh"].split(";")),
                venue=row["venue_zh"],
                date=day,
                date_precision=DatePrecision.MONTH if month_only else DatePrecision.DAY,
                capacity=MATCHING_CAPACITY,
                registration_deadline=None if month_only else day - dt.timedelta(days=7),
                description="主題式產學交流媒合會：產學小聯盟與公協會及廠商交流媒合。",
            ),
            fields=[],
            by=office,
        )
        made += 1
    return made


def _training_sessions(year, office) -> list[Event]:
    sessions = []
    for row in read_reference("training_sessions_107.csv"):
        day = dt.date.fromisoformat(row["date"])
        sessions.append(
            services.event_save(
                event=Event(
                    kind=EventKind.TRAINING,
                    programme_year=year,
                    title=f"107年度系統平台操作說明會（{row['region_zh']}）",
                    region=row["region_zh"],
                    venue=row["venue_zh"],
                    address=row["address_zh"],
                    date=day,
                    starts=dt.time.fromisoformat(row["start"]),
                    ends=dt.time.fromisoformat(row["end"]),
                    capacity=TRAINING_CAPACITY,
                    registration_deadline=day - dt.timedelta(days=2),
                    description="系統平台操作說明：每一聯盟至少一人參加。",
                ),
                fields=[],
                by=office,
            )
        )
    return sessions


DEMO_PEOPLE = {
    "pi": "pi@example.org",
    "copi": "copi@example.org",
    "assistant": "assistant@example.org",
}


def _demo_people() -> dict:
    """MECH001's PI, co-PI and assistant (None where the demo has not made them)."""
    found = {u.email: u for u in User.objects.filter(email__in=DEMO_PEOPLE.values())}
    return {key: found.get(email) for key, email in DEMO_PEOPLE.items()}


def _attendee(alliance, n: int, k: int) -> dict:
    """The k-th person an alliance names (distinct names within a registration)."""
    return {
        "name": _person(3 * n + k),
        "email": f"{alliance.code.lower()}-{k + 1}@alliance.example.edu.tw",
        "title": TITLES[(n + k) % len(TITLES)],
    }


def _registration(event, alliance, attendees, *, by, when, cancelled=False) -> Registration:
    """A registration as `services.register` would have made it at `when` (confirmed: the
    caller keeps within the capacity), cancelled the next day if asked."""
    registration = Registration.objects.create(
        event=event,
        alliance=alliance,
        status=RegistrationStatus.CANCELLED if cancelled else RegistrationStatus.CONFIRMED,
        seats=len(attendees),
        registered_by=by,
        confirmed_at=when,
        cancelled_at=when + dt.timedelta(days=1) if cancelled else None,
    )
    Registration.objects.filter(pk=registration.pk).update(registered_at=when)
    Attendee.objects.bulk_create(Attendee(registration=registration, **row) for row in attendees)
    return registration


def _mark(event, office, absent: set) -> None:
    """The office marks everyone confirmed present except the attendees in `absent`
    (registration pk, attendee name)."""
    attendees = Attendee.objects.filter(
        registration__event=event, registration__status=RegistrationStatus.CONFIRMED
    ).values_list("pk", "registration_id", "name")
    marks = {pk: (reg, name) not in absent for pk, reg, name in attendees}
    services.attendance_mark(event=event, marks=marks, by=office)


def _training_registrations(sessions, running, people, office) -> int:
    taken = [0] * len(sessions)
    absent: list[set] = [set() for _ in sessions]
    made = 0

    def region_of(alliance) -> int:
        return 2 if alliance.institution in SOUTH else 1 if alliance.institution in CENTRAL else 0

    def seat(alliance, need, avoid=None) -> int:
        """The alliance's own region's session, else the one with most seats free."""
        order = [region_of(alliance)] + sorted(range(len(sessions)), key=lambda i: taken[i])
        for i in order:
            if i != avoid and taken[i] + need <= TRAINING_CAPACITY:
                return i
        raise RuntimeError("The demo's training sessions are full.")  # pragma: no cover

    for n, alliance in enumerate(running):
        how = TRAINING_UNMET.get(alliance.code)
        if how == "never":
            continue
        if alliance.code == DEMO_ALLIANCE and people["assistant"]:
            by = people["assistant"]
            attendees = [
                {"name": by.name, "email": by.email, "title": "專任助理"},
                {"name": "蔡雅婷", "email": "", "title": "博士後研究員"},
            ]
        else:
            by = office
            attendees = [_attendee(alliance, n, 0)]
        i = seat(alliance, len(attendees))
        session = sessions[i]
        when = _at(session.registration_deadline - dt.timedelta(days=5 + n % 4), 9, n % 60)
        registration = _registration(
            session, alliance, attendees, by=by, when=when, cancelled=how == "cancelled"
        )
        made += 1 + len(attendees)
        if how == "cancelled":
            continue
        taken[i] += len(attendees)
        if how == "absent" or alliance.code == TRAINING_SECOND_TRY:
            absent[i] |= {(registration.pk, a["name"]) for a in attendees}
        if alliance.code == TRAINING_SECOND_TRY:
            j = seat(alliance, 1, avoid=i)
            later = _at(sessions[j].registration_deadline - dt.timedelta(days=1), 15)
            _registration(sessions[j], alliance, [_attendee(alliance, n + 7, 1)], by=by, when=later)
            taken[j] += 1
            made += 2
    for i, session in enumerate(sessions):
        _mark(session, office, absent[i])
    return made


def _exchange_registrations(exchange, running, people, office) -> int:
    fields = {f.pk for f in exchange.fields.all()}
    deadline = exchange.registration_deadline
    absent = set()
    made = 0
    for n, alliance in enumerate(a for a in running if a.field_id in fields):
        how = EXCHANGE_UNMET.get(alliance.code)
        if how == "never":
            continue
        if alliance.code == DEMO_ALLIANCE and people["pi"]:
            by = people["pi"]
            attendees = [
                {"name": u.name, "email": u.email, "title": title}
                for u, title in ((people["pi"], "計畫主持人"), (people["copi"], "共同主持人"))
                if u
            ]
        else:
            by = office
            attendees = [_attendee(alliance, n, k) for k in range(1 + n % 3)]
            if alliance.code == EXCHANGE_PARTLY_ABSENT and len(attendees) < 2:
                attendees.append(_attendee(alliance, n, 1))
        when = _at(deadline - dt.timedelta(days=3 + n % 10), 10, n % 60)
        registration = _registration(
            exchange, alliance, attendees, by=by, when=when, cancelled=how == "cancelled"
        )
        made += 1 + len(attendees)
        if how == "absent":
            absent |= {(registration.pk, a["name"]) for a in attendees}
        elif alliance.code == EXCHANGE_PARTLY_ABSENT:
            absent.add((registration.pk, attendees[-1]["name"]))
    _mark(exchange, office, absent)
    return made
