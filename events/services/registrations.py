"""Registrations: seats, the waiting line, cancellations and promotions."""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from core import lists, roc
from events import permissions
from events.models import (
    Attendee,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.services.base import MAX_ATTENDEES, EventError, audit_event, is_over, locked_event
from events.services.mail import mail_registration


def seats_taken(event) -> int:
    return (
        event.registrations.filter(status=RegistrationStatus.CONFIRMED).aggregate(n=Sum("seats"))[
            "n"
        ]
        or 0
    )


def _clean_attendees(attendees) -> list[dict]:
    rows = []
    for row in attendees:
        name = (row.get("name") or "").strip()[:100]
        if not name:
            continue
        rows.append(
            {
                "name": name,
                "email": (row.get("email") or "").strip()[:254],
                "title": (row.get("title") or "").strip()[:100],
            }
        )
    if not rows:
        raise EventError(_("Name at least one person who will attend."))
    if len(rows) > MAX_ATTENDEES:
        raise EventError(
            _("At most %(n)s people per alliance can be registered.") % {"n": MAX_ATTENDEES}
        )
    names = [r["name"] for r in rows]
    if len(set(names)) != len(names):
        raise EventError(_("Each person is named once."))
    return rows


@transaction.atomic
def register(*, event, alliance, attendees, by) -> Registration:
    """Register the alliance's named attendees: confirmed if their seats are free and
    nobody waits before them, else on the waiting list. Emails say which."""
    event = locked_event(event)
    require(permissions.can_see_events(by) and permissions.can_register(by, alliance, event))
    if event.status != EventStatus.SCHEDULED:
        raise EventError(_("This event is cancelled."))
    if event.kind == EventKind.EXCHANGE and not event.fields.filter(pk=alliance.field_id).exists():
        raise EventError(
            _("This exchange meeting is for the alliances of %(fields)s.")
            % {"fields": lists.join(f.name for f in event.fields.all())}
        )
    today = roc.today()
    if event.registration_deadline and today > event.registration_deadline:
        raise EventError(
            _("Registration closed on %(date)s.")
            % {"date": roc.format_roc_date(event.registration_deadline)}
        )
    if is_over(event, today):
        raise EventError(_("The event is over; registration is closed."))

    if (
        event.registrations.filter(alliance=alliance)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    ):
        raise EventError(
            _(
                "%(alliance)s is registered for this event already; cancel that registration "
                "to register other people."
            )
            % {"alliance": alliance}
        )
    rows = _clean_attendees(attendees)
    seats = len(rows)
    if event.capacity is not None and seats > event.capacity:
        raise EventError(
            _("The event has %(n)s seats in all; name at most that many people.")
            % {"n": event.capacity}
        )
    waiting = event.registrations.filter(status=RegistrationStatus.WAITLISTED).exists()
    fits = event.capacity is None or seats_taken(event) + seats <= event.capacity
    status = RegistrationStatus.CONFIRMED if fits and not waiting else RegistrationStatus.WAITLISTED
    registration = Registration.objects.create(
        event=event,
        alliance=alliance,
        status=status,
        seats=seats,
        registered_by=by,
        confirmed_at=timezone.now() if status == RegistrationStatus.CONFIRMED else None,
    )
    Attendee.objects.bulk_create(Attendee(registration=registration, **row) for row in rows)
    audit_event(
        registration,
        "event.registered",
        by,
        alliance=alliance,
        after={"status": status, "seats": seats, "event": event.pk},
    )
    if status == RegistrationStatus.CONFIRMED:
        mail_registration(
            registration,
            template="event_confirmed",
            key=f"registration:{registration.pk}:confirmed",
            by=by,
        )
    else:
        mail_registration(
            registration,
            template="event_waitlisted",
            key=f"registration:{registration.pk}:waitlisted",
            by=by,
            method=None,
        )
    return registration


@transaction.atomic
def registration_cancel(*, registration, by) -> Registration:
    """Cancel a registration; the seats go to those waiting, in order."""
    event = locked_event(registration.event)
    registration = Registration.objects.select_related("alliance").get(pk=registration.pk)
    require(permissions.can_register(by, registration.alliance, event))
    if registration.status == RegistrationStatus.CANCELLED:
        raise EventError(_("This registration is cancelled already."))
    closed = event.status == EventStatus.CANCELLED or is_over(event)
    if closed and not permissions.can_manage(by):
        raise EventError(_("The event is over or cancelled; its registrations stay."))
    if registration.attendees.exclude(attended__isnull=True).exists():
        raise EventError(_("Attendance is marked for this registration; it stays on record."))
    before = registration.status
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_event(
        registration,
        "event.registration_cancelled",
        by,
        alliance=registration.alliance,
        before={"status": before},
        after={"status": registration.status},
    )
    if before == RegistrationStatus.CONFIRMED:
        mail_registration(
            registration,
            template="event_cancelled_registration",
            key=f"registration:{registration.pk}:cancelled",
            by=by,
            method="CANCEL",
        )
    promote_waiting(event, by=by)
    return registration


def promote_waiting(event, *, by) -> list[Registration]:
    """Move registrations up from the waiting list, first come first served, while their
    seats fit (the caller holds the event's lock)."""
    promoted = []
    if event.status != EventStatus.SCHEDULED or is_over(event):
        return promoted  # nobody is told of a seat at an event that will not take place
    taken = seats_taken(event)
    for registration in event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "registered_at", "pk"
    ):
        if event.capacity is not None and taken + registration.seats > event.capacity:
            break
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = timezone.now()
        registration.save(update_fields=["status", "confirmed_at"])
        taken += registration.seats
        promoted.append(registration)
        audit_event(
            registration,
            "event.registration_promoted",
            by,
            alliance=registration.alliance,
            before={"status": RegistrationStatus.WAITLISTED},
            after={"status": RegistrationStatus.CONFIRMED},
        )
        mail_registration(
            registration,
            template="event_promoted",
            key=f"registration:{registration.pk}:promoted",
            by=by,
        )
    return promoted
