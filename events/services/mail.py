"""Calendar files of events and the emails about a registration."""

from django.conf import settings
from django.utils import translation

from alliances.selectors import team_recipients
from core import ics
from core.mail import send_templated_email
from events.models import (
    EventStatus,
)
from events.services.base import absolute_url, event_url, when_label


def calendar_file(event, *, method="PUBLISH", recipient=None, registration=None) -> bytes | None:
    """The event as iCalendar, or None while only its month is known. An emailed copy is
    the registration's own event (its UID names the registration), so a registration made
    again after one was cancelled shows in calendars as new, not as a stale copy."""
    start = event.start_datetime()
    if start is None:
        return None
    host = settings.PORTAL_BASE_URL.split("//")[-1]
    uid = f"event-{event.pk}@{host}"
    if registration is not None:
        uid = f"event-{event.pk}-registration-{registration.pk}@{host}"
    return ics.invitation(
        uid=uid,
        sequence=event.sequence,
        start=start,
        end=event.end_datetime(),
        summary=event.title,
        location=", ".join(p for p in (event.venue, event.address) if p),
        description=event.description,
        url=absolute_url(event_url(event)),
        attendees=[recipient] if recipient else [],
        method=method,
        cancelled=event.status == EventStatus.CANCELLED or method == "CANCEL",
    )


def mail_registration(registration, *, template, key, by=None, method="REQUEST", extra=None):
    """Email the person who registered (and named attendees with an address) about a
    registration, with the event's .ics when its day is known."""
    from accounts.models import User

    event = registration.event
    people = {}

    def add(name, email, language):
        if email and email.lower() not in people:
            people[email.lower()] = (name, email, language)

    user = registration.registered_by
    if user and user.is_active:
        add(user.name or user.email, user.email, user.preferred_language)
    # The alliance's PI and co-PIs hear of it too (the office may register for them).
    for leader in team_recipients(registration.alliance_id, assistants=False):
        add(leader.name or leader.email, leader.email, leader.preferred_language)
    named = [a for a in registration.attendees.all() if a.email]
    accounts = {
        u.email.lower(): u
        for u in User.objects.filter(email__in=[a.email.lower() for a in named], is_active=True)
    }
    for attendee in named:
        account = accounts.get(attendee.email.lower())
        add(
            attendee.name,
            attendee.email,
            account.preferred_language if account else settings.LANGUAGE_CODE,
        )
    for name, email, language in people.values():
        attachments = []
        data = None
        if method:
            with translation.override(language):
                data = calendar_file(
                    event, method=method, recipient=(name, email), registration=registration
                )
        if data is not None:
            attachments.append(
                {
                    "content": data.decode(),
                    "filename": "event.ics",
                    "mimetype": f"text/calendar; method={method}",
                }
            )
        send_templated_email(
            to=[email],
            template=template,
            context={
                "event": event,
                "registration": registration,
                "alliance": registration.alliance,
                "when": when_label(event),
                "attendees": list(registration.attendees.all()),
                "url": absolute_url(event_url(event)),
                **(extra or {}),
            },
            language=language,
            dedupe_key=f"{key}:{email.lower()}",
            created_by=by,
            attachments=attachments,
        )
