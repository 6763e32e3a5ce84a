"""Events: saved, cancelled, their materials."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import require
from events import permissions
from events.models import (
    Event,
    EventKind,
    EventMaterial,
    EventStatus,
    RegistrationStatus,
)
from events.services.base import (
    EventError,
    audit_event,
    locked_event,
    outside_programme_year,
)
from events.services.mail import mail_registration
from events.services.registrations import promote_waiting, seats_taken


def _event_state(event) -> dict:
    return {
        "title": event.title,
        "kind": event.kind,
        "date": event.date.isoformat(),
        "precision": event.date_precision,
        "starts": event.starts.isoformat() if event.starts else None,
        "venue": event.venue,
        "capacity": event.capacity,
        "deadline": event.registration_deadline.isoformat()
        if event.registration_deadline
        else None,
        "status": event.status,
    }


@transaction.atomic
def event_save(*, event: Event, fields, by) -> Event:
    """The office creates or changes an event. A new day, time or place reaches everyone
    confirmed, with the updated .ics. A date outside the event's programme year is the
    form's to confirm (an event may be held just before its year begins); the audit event
    names such dates."""
    require(permissions.can_manage(by))
    fields = list(fields)
    if event.kind == EventKind.EXCHANGE and not fields:
        raise EventError(_("A field exchange meeting covers at least one field."))
    before = {}
    moved = False
    if event.pk:
        old = locked_event(event)
        if old.status == EventStatus.CANCELLED:
            raise EventError(_("This event is cancelled; it can no longer change."))
        before = _event_state(old)
        moved = _placed(old) != _placed(event)
        if event.capacity is not None:
            taken = seats_taken(old)
            if event.capacity < taken:
                raise EventError(
                    _("%(n)s seats are confirmed already; the capacity cannot be below that.")
                    % {"n": taken}
                )
            largest = (
                old.registrations.filter(status=RegistrationStatus.WAITLISTED)
                .order_by("-seats")
                .values_list("seats", flat=True)
                .first()
            )
            if largest and event.capacity < largest:
                raise EventError(
                    _(
                        "A waiting registration names %(n)s people; the capacity cannot be "
                        "below that (it could never move up)."
                    )
                    % {"n": largest}
                )
        # What the form did not load under the lock is not the form's to change.
        event.status = old.status
        event.sequence = old.sequence + (1 if moved else 0)
    else:
        event.created_by = by
    event.full_clean()
    event.save()
    event.fields.set(fields)
    after = _event_state(event)
    # The form asks the office to confirm such dates; the audit keeps that they were.
    outside = outside_programme_year(
        event.programme_year, event.date, event.date_precision, event.registration_deadline
    )
    if outside:
        after["outside_programme_year"] = outside
    audit_event(
        event,
        "event.changed" if before else "event.created",
        by,
        before=before,
        after=after,
    )
    if moved:
        for registration in event.registrations.exclude(status=RegistrationStatus.CANCELLED):
            confirmed = registration.status == RegistrationStatus.CONFIRMED
            mail_registration(
                registration,
                template="event_changed",
                key=f"event:{event.pk}:changed:{event.sequence}:{registration.pk}",
                by=by,
                method="REQUEST" if confirmed else None,
            )
    # More seats may let people in line move up.
    promote_waiting(event, by=by)
    return event


def _placed(event) -> tuple:
    """What the calendar file and the emails show: a change of any is told to everyone."""
    return (
        event.title,
        event.date,
        event.date_precision,
        event.starts,
        event.ends,
        event.venue,
        event.address,
    )


@transaction.atomic
def event_cancel(*, event, by, reason: str) -> Event:
    """Cancel an event: everyone registered (confirmed or waiting) is told, the confirmed
    with a calendar file that removes it."""
    require(permissions.can_manage(by))
    event = locked_event(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("This event is cancelled already."))
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise EventError(_("Say why the event is cancelled; the people registered are told."))
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence"])
    audit_event(
        event,
        "event.cancelled",
        by,
        before={"status": EventStatus.SCHEDULED},
        after={"status": event.status},
        reason=reason,
    )
    for registration in event.registrations.exclude(status=RegistrationStatus.CANCELLED):
        mail_registration(
            registration,
            template="event_cancelled",
            key=f"event:{event.pk}:cancelled:{registration.pk}",
            by=by,
            method="CANCEL" if registration.status == RegistrationStatus.CONFIRMED else None,
            extra={"reason": reason},
        )
    return event


@transaction.atomic
def material_add(*, event, upload, title: str, by) -> EventMaterial:
    require(permissions.can_manage(by))
    if upload is None:
        raise EventError(_("Choose a file to upload."))
    if upload.size > 20 * 1024 * 1024:
        raise EventError(_("A material may be at most 20 MB."))
    material = EventMaterial(
        event=event, title=(title or upload.name)[:200], filename=upload.name[:200]
    )
    material.file.save(upload.name, upload, save=False)
    try:
        material.save()
        audit_event(event, "event.material_added", by, after={"title": material.title})
    except Exception:
        material.file.delete(save=False)
        raise
    return material
