"""Reminders of the events to come."""

import datetime as dt

from django.db import transaction

from core import roc
from events.models import (
    EventStatus,
    Registration,
    RegistrationStatus,
)
from events.services.base import REMINDER_DAYS
from events.services.mail import mail_registration


def send_reminders(today: dt.date | None = None) -> int:
    """Queue the reminder of every confirmed registration whose event is REMINDER_DAYS
    away (idempotent: one key per registration)."""
    today = today or roc.today()
    # Events up to REMINDER_DAYS away: a run missed yesterday still reminds (one key per
    # registration and version of the event).
    queued = 0
    registrations = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        event__status=EventStatus.SCHEDULED,
        event__date__range=(today, today + dt.timedelta(days=REMINDER_DAYS)),
        event__date_precision="day",
    ).select_related("event", "alliance", "registered_by")
    for registration in registrations:
        with transaction.atomic():
            mail_registration(
                registration,
                template="event_reminder",
                key=f"registration:{registration.pk}:reminder:{registration.event.sequence}",
            )
        queued += 1
    return queued
