"""What every change to an event shares: the refusal, links, the audit, the lock, its dates."""

import datetime as dt

from django.conf import settings
from django.urls import reverse

from core import audit, roc
from events.models import (
    DatePrecision,
    Event,
    EventStatus,
)

MAX_ATTENDEES = 20


REMINDER_DAYS = 2  # a reminder goes out two days before the event


class EventError(Exception):
    """A refused step, with a message for the person who tried it."""


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def event_url(event) -> str:
    return reverse("event_detail", kwargs={"event_id": event.pk})


def audit_event(target, action, by, *, alliance=None, before=None, after=None, reason=""):
    audit.record(
        actor=by,
        action=action,
        target=target,
        alliance=alliance,
        before=before,
        after=after,
        reason=reason,
    )


def locked_event(event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def when_label(event) -> str:
    """107.03.08 14:00–16:00, or 107.05 while only the month is known."""
    if event.month_only:
        return f"{event.date.year - 1911}.{event.date.month:02d}"
    text = roc.format_roc_date(event.date)
    if event.starts:
        text += f" {event.starts:%H:%M}"
        if event.ends:
            text += f"–{event.ends:%H:%M}"
    return text


def last_day(event) -> dt.date:
    """The event's day, or the month's last day while only the month is known."""
    if not event.month_only:
        return event.date
    following = (event.date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def outside_programme_year(programme_year, day, precision, deadline) -> list[str]:
    """The names of the dates ("date", "registration_deadline") that lie outside the
    programme year (N.02.01 to (N+1).01.31); a date known to its month counts as its month."""
    if programme_year is None:
        return []
    start, end = roc.project_year_bounds(programme_year.roc_year)
    outside = []
    if day is not None:
        last = day
        if precision == DatePrecision.MONTH:
            last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(
                days=1
            )
            day = day.replace(day=1)
        if day < start or last > end:
            outside.append("date")
    if deadline is not None and not start <= deadline <= end:
        outside.append("registration_deadline")
    return outside


def is_over(event, today: dt.date | None = None) -> bool:
    return (today or roc.today()) > last_day(event)


def open_for_registration(event, today: dt.date | None = None) -> bool:
    today = today or roc.today()
    if event.status != EventStatus.SCHEDULED or is_over(event, today):
        return False
    return not (event.registration_deadline and today > event.registration_deadline)
