"""Site visits and events of a programme year, in bulk (bench/pages_data.py uses it).

Visits: about three alliance-years in ten get one (the showcase always does, its result
recorded and shared): 60% with their result recorded (three submitted forms of seven
scores, a consolidated score and outcome, half of them shared), 30% scheduled (forms in
progress), 10% cancelled; three office staff each, the PI, the assistant and three
member-firm representatives as attendees; the best-scored visit of each field is its
published outstanding alliance. Events: five matching meetings, three training sessions
and two field exchange meetings; every alliance registers for a training session and its
field's exchange meeting, three in ten for a matching meeting, seats confirmed up to the
capacity and the rest waiting, attendance marked; a confirmation email each.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from alliances.models import Field
from bench.build_data import BATCH, TAIPEI
from events.models import Attendee, Event, EventKind, Registration, RegistrationStatus
from inspections.models import (
    DEFAULT_AGENDA,
    AttendeeKind,
    Award,
    FormStatus,
    Recommendation,
    ReviewForm,
    ReviewPoint,
    ReviewScore,
    SiteVisit,
    VisitAttendee,
    VisitStatus,
)
from members.models import MemberKind, Membership

REGIONS = ["北區", "中區", "南區", "東區", "離島"]


@contextmanager
def stamped(model, *names):
    """Let bulk_create keep the values given to fields the model stamps itself."""
    fields = [model._meta.get_field(name) for name in names]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def at(roc_year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    """A time in Taiwan; months 13 and 14 of year N are January and February of N+1."""
    if month > 12:
        roc_year, month = roc_year + 1, month - 12
    return dt.datetime(roc_year + 1911, month, day, hour, tzinfo=TAIPEI)


class Gatherings:
    """The visits and events part of bench.pages_data.PagesData (its users and teams)."""

    def __init__(self, data):
        self.data = data
        self.rng = data.rng
        self.fields = list(Field.objects.order_by("order"))

    def add(self, roc_year: int, ays, showcase_pk: int) -> list:
        self._visits(roc_year, ays, showcase_pk)
        return self._events(roc_year, ays, showcase_pk)

    # --- site visits ---------------------------------------------------------------------

    def _visits(self, roc_year: int, ays, showcase_pk: int) -> None:
        rng, data = self.rng, self.data
        chosen = [ay for ay in ays if ay.pk == showcase_pk or rng.random() < 0.3]
        firms: dict[int, list[int]] = {}
        for ay_id, firm_id in Membership.objects.filter(
            alliance_year__in=chosen, counted_kind=MemberKind.COMPANY
        ).values_list("alliance_year_id", "firm_id"):
            firms.setdefault(ay_id, []).append(firm_id)
        points = ReviewPoint.values
        visits, forms, scores, attendees, staff = [], [], [], [], []
        for ay in chosen:
            roll = 0.0 if ay.pk == showcase_pk else rng.random()
            status = (
                VisitStatus.CONSOLIDATED
                if roll < 0.6
                else VisitStatus.SCHEDULED
                if roll < 0.9
                else VisitStatus.CANCELLED
            )
            starts = dt.datetime(
                roc_year + 1911, rng.choice([3, 4]), rng.randint(1, 28), 9, 30, tzinfo=TAIPEI
            )
            visit = SiteVisit(
                alliance_year=ay,
                starts_at=starts,
                place=f"{ay.alliance.institution} 工程館第一會議室",
                agenda=DEFAULT_AGENDA,
                status=status,
                created_by=data.office,
                created_at=at(roc_year, 2, 15),
                cancel_reason="聯盟主持人出國，另擇期辦理。" if status == "cancelled" else "",
            )
            visits.append(visit)
            reviewers = rng.sample(data.reviewers, 3)
            form_scores = []
            for n, reviewer in enumerate(reviewers):
                done = status == VisitStatus.CONSOLIDATED or (
                    status == VisitStatus.SCHEDULED and n < rng.randint(0, 3)
                )
                form = ReviewForm(
                    visit=visit,
                    reviewer=reviewer,
                    status=FormStatus.SUBMITTED if done else FormStatus.DRAFT,
                    recommendation=rng.choice(Recommendation.values[1:]) if done else "",
                    comment="整體表現良好，建議持續推動會員服務。" if done else "",
                    submitted_at=starts + dt.timedelta(hours=2) if done else None,
                )
                forms.append(form)
                if done:
                    for point in points:
                        score = rng.randint(2, 5)
                        form_scores.append(score)
                        scores.append(ReviewScore(form=form, point=point, score=score, comment=""))
            if status == VisitStatus.CONSOLIDATED:
                visit.score = (Decimal(sum(form_scores)) / len(form_scores)).quantize(
                    Decimal("0.01"), rounding=ROUND_HALF_UP
                )
                visit.outcome = rng.choice([Recommendation.CONTINUE, Recommendation.IMPROVE])
                visit.outcome_note = "請持續擴大會員服務並強化技術移轉。"
                visit.consolidated_at = starts + dt.timedelta(days=14)
                visit.consolidated_by = data.office
                if ay.pk == showcase_pk or rng.random() < 0.5:
                    visit.shared_at = visit.consolidated_at + dt.timedelta(days=2)
            pi, assistant = data.teams[ay.alliance_id]
            attendees += [
                VisitAttendee(visit=visit, kind=AttendeeKind.PI, name=pi.name, title="教授"),
                VisitAttendee(visit=visit, kind=AttendeeKind.TEAM, name=assistant.name),
            ]
            for firm_id in rng.sample(firms.get(ay.pk, []), min(3, len(firms.get(ay.pk, [])))):
                attendees.append(
                    VisitAttendee(
                        visit=visit, kind=AttendeeKind.MEMBER, name="廠商代表", firm_id=firm_id
                    )
                )
            staff += [(visit, user) for user in rng.sample(data.staff, 3)]
        best: dict[int, SiteVisit] = {}
        for visit in visits:
            if visit.status == VisitStatus.CONSOLIDATED:
                field_id = visit.alliance_year.alliance.field_id
                if field_id not in best or visit.score > best[field_id].score:
                    best[field_id] = visit
        for visit in best.values():
            visit.outcome = Recommendation.OUTSTANDING
        with stamped(SiteVisit, "created_at"):
            SiteVisit.objects.bulk_create(visits, batch_size=BATCH)
        ReviewForm.objects.bulk_create(forms, batch_size=BATCH)
        ReviewScore.objects.bulk_create(scores, batch_size=BATCH)
        VisitAttendee.objects.bulk_create(attendees, batch_size=BATCH)
        through = SiteVisit.staff.through
        through.objects.bulk_create(
            [through(sitevisit_id=v.pk, user_id=u.pk) for v, u in staff], batch_size=BATCH
        )
        Award.objects.bulk_create(
            Award(
                programme_year=visit.alliance_year.programme_year,
                field_id=field_id,
                visit=visit,
                note="會員服務與技術擴散成效卓著。",
                selected_by=data.office,
                published_at=visit.consolidated_at + dt.timedelta(days=30),
            )
            for field_id, visit in best.items()
        )

    # --- events --------------------------------------------------------------------------

    def _events(self, roc_year: int, ays, showcase_pk: int) -> list:
        rng, data = self.rng, self.data
        year = ays[0].programme_year
        plan = (
            [(EventKind.MATCHING, f"主題式產學交流媒合會（{r}）", 120, r) for r in REGIONS]
            + [(EventKind.TRAINING, f"系統平台操作說明會 第{n}場", 80, "") for n in (1, 2, 3)]
            + [(EventKind.EXCHANGE, f"領域觀摩交流會 {n}", 150, "") for n in (1, 2)]
        )
        events = []
        for n, (kind, title, capacity, region) in enumerate(plan):
            month = 3 + n
            events.append(
                Event(
                    kind=kind,
                    title=f"{roc_year}年度{title}",
                    programme_year=year,
                    date=dt.date(roc_year + 1911, month, 10 + n),
                    starts=dt.time(13, 30),
                    ends=dt.time(17, 0),
                    venue="集思台大會議中心",
                    address="臺北市大安區羅斯福路四段85號",
                    region=region,
                    theme="智慧製造與淨零轉型" if kind == EventKind.MATCHING else "",
                    capacity=capacity,
                    registration_deadline=dt.date(roc_year + 1911, month, 1 + n),
                    description="歡迎各聯盟報名參加。",
                    created_by=data.office,
                )
            )
        Event.objects.bulk_create(events)
        exchange = [e for e in events if e.kind == EventKind.EXCHANGE]
        training = [e for e in events if e.kind == EventKind.TRAINING]
        matching = [e for e in events if e.kind == EventKind.MATCHING]
        through = Event.fields.through
        halves = [self.fields[::2], self.fields[1::2]]
        through.objects.bulk_create(
            through(event_id=event.pk, field_id=field.pk)
            for event, fields in zip(exchange, halves, strict=True)
            for field in fields
        )
        exchange_of = {f.pk: e for e, fields in zip(exchange, halves, strict=True) for f in fields}
        taken = {e.pk: 0 for e in events}
        registrations, people, emails = [], [], []
        for ay in ays:
            pi, assistant = data.teams[ay.alliance_id]
            wanted = [rng.choice(training), exchange_of[ay.alliance.field_id]]
            if ay.pk == showcase_pk or rng.random() < 0.3:
                wanted.append(rng.choice(matching))
            for event in wanted:
                seats = rng.randint(1, 2)
                fits = taken[event.pk] + seats <= event.capacity
                taken[event.pk] += seats if fits else 0
                when = at(roc_year, event.date.month, 1)
                registration = Registration(
                    event=event,
                    alliance_id=ay.alliance_id,
                    status=RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITLISTED,
                    seats=seats,
                    registered_by=assistant,
                    registered_at=when,
                    confirmed_at=when if fits else None,
                )
                registrations.append(registration)
                for person in [pi, assistant][:seats]:
                    people.append(
                        Attendee(
                            registration=registration,
                            name=person.name,
                            email=person.email,
                            title="教授" if person is pi else "專任助理",
                            attended=(rng.random() < 0.85) if fits else None,
                        )
                    )
                emails.append(
                    data.email(
                        assistant.email,
                        f"報名確認：{event.title}",
                        "event_registered",
                        when,
                    )
                )
        with stamped(Registration, "registered_at"):
            Registration.objects.bulk_create(registrations, batch_size=BATCH)
        Attendee.objects.bulk_create(people, batch_size=BATCH)
        return emails
