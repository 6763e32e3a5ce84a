"""Attendance marked after an event."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import require
from core import roc
from events import permissions
from events.models import (
    Attendee,
    EventStatus,
    RegistrationStatus,
)
from events.services.base import EventError, audit_event, locked_event


@transaction.atomic
def attendance_mark(*, event, marks: dict, by) -> int:
    """The office marks who attended: {attendee id: True, False or None}."""
    require(permissions.can_manage(by))
    event = locked_event(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("This event is cancelled; there is no attendance to mark."))
    if event.month_only:
        raise EventError(_("Fix the event's day first; attendance is marked on or after it."))
    if event.date > roc.today():
        raise EventError(_("Attendance is marked on or after the event's day."))
    attendees = {
        a.pk: a
        for a in Attendee.objects.filter(
            registration__event=event, registration__status=RegistrationStatus.CONFIRMED
        )
    }
    unknown = set(marks) - set(attendees)
    if unknown:
        raise EventError(_("Some of the people marked are not registered for this event."))
    changed = []
    for pk, value in marks.items():
        attendee = attendees[pk]
        if attendee.attended != value:
            attendee.attended = value
            changed.append(attendee)
    Attendee.objects.bulk_update(changed, ["attended"])
    if changed:
        audit_event(
            event,
            "event.attendance_marked",
            by,
            after={"present": sum(1 for a in changed if a.attended), "changed": len(changed)},
        )
    return len(changed)
