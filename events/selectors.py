"""Reads of events: the lists, seats, the attendance duties of a year and the alliances'
own promotion events and seminars (S1–S2, ledger records linked, not copied)."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum

from alliances.models import Alliance, AllianceYear
from events.models import Attendee, Event, EventKind, EventStatus, Registration, RegistrationStatus


def events_of_year(roc_year: int, kind: str = ""):
    qs = Event.objects.filter(programme_year__roc_year=roc_year).annotate(
        taken=Sum(
            "registrations__seats", filter=Q(registrations__status=RegistrationStatus.CONFIRMED)
        ),
        waiting=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITLISTED)
        ),
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.prefetch_related("fields").order_by("date", "starts", "pk")


def event_for_page(event_id: int) -> Event | None:
    return (
        Event.objects.select_related("programme_year")
        .prefetch_related(
            "fields",
            "materials",
            Prefetch(
                "registrations",
                queryset=Registration.objects.exclude(status=RegistrationStatus.CANCELLED)
                .select_related("alliance__field", "registered_by")
                .prefetch_related("attendees")
                .order_by("registered_at", "pk"),
            ),
        )
        .filter(pk=event_id)
        .first()
    )


def seats_taken(event) -> int:
    return sum(
        r.seats for r in event.registrations.all() if r.status == RegistrationStatus.CONFIRMED
    )


def _attended(events):
    """Alliances with at least one attendee marked present at these events (ids or a
    queryset), for Exists() against Alliance."""
    return Attendee.objects.filter(
        registration__event__in=events,
        registration__status=RegistrationStatus.CONFIRMED,
        registration__alliance=OuterRef("pk"),
        attended=True,
    )


def _running(roc_year: int):
    return Alliance.objects.filter(
        Exists(
            AllianceYear.objects.filter(alliance=OuterRef("pk"), programme_year__roc_year=roc_year)
        )
    ).select_related("field")


@dataclass
class Duty:
    event: Event
    missing: list  # alliances
    upcoming: bool = False  # not held yet: nobody is missing it yet


def exchange_duties(roc_year: int) -> list[Duty]:
    """For each field exchange meeting of the year, the alliances of its fields (running
    that year) with nobody marked present; a meeting still to come (nothing marked yet)
    has nobody missing."""
    duties = []
    meetings = (
        Event.objects.filter(programme_year__roc_year=roc_year, kind=EventKind.EXCHANGE)
        .exclude(status=EventStatus.CANCELLED)
        .prefetch_related("fields")
        .order_by("date", "pk")
    )
    from events.services import is_over

    for meeting in meetings:
        if not is_over(meeting) and not _marked(meeting):
            duties.append(Duty(event=meeting, missing=[], upcoming=True))
            continue
        fields = [f.pk for f in meeting.fields.all()]
        missing = (
            _running(roc_year)
            .filter(field__in=fields)
            .exclude(Exists(_attended([meeting.pk])))
            .order_by("field__order", "code", "name_zh")
        )
        duties.append(Duty(event=meeting, missing=list(missing)))
    return duties


def _marked(event) -> bool:
    return Attendee.objects.filter(registration__event=event, attended__isnull=False).exists()


def training_missing(roc_year: int) -> list:
    """Alliances running in the year with nobody present at any of its training sessions."""
    sessions = Event.objects.filter(
        programme_year__roc_year=roc_year, kind=EventKind.TRAINING
    ).exclude(status=EventStatus.CANCELLED)
    return list(
        _running(roc_year)
        .exclude(Exists(_attended(sessions)))
        .order_by("field__order", "code", "name_zh")
    )


def alliance_activities(roc_year: int, kind: str = ""):
    """The alliances' own promotion events and technical seminars (S1–S2) of the year, from
    their ledgers."""
    from kpi.models import Activity, ActivityKind

    kinds = (
        [kind]
        if kind in (ActivityKind.PROMOTION, ActivityKind.SEMINAR)
        else [
            ActivityKind.PROMOTION,
            ActivityKind.SEMINAR,
        ]
    )
    return (
        Activity.objects.filter(alliance_year__programme_year__roc_year=roc_year, kind__in=kinds)
        .select_related("alliance_year__alliance__field")
        .annotate(firms=Count("attendee_firms"))
        .order_by("date", "pk")
    )
