"""iCalendar (.ics, RFC 5545) invitations, written with the `icalendar` package
(docs/decisions.md): line folding, escaping and time zones are its business, not ours.

    invitation(uid="visit-12@alliance-portal", sequence=0, start=..., end=..., summary=...,
               location=..., description=..., organizer_email=..., attendees=[(name, email)],
               method="REQUEST") -> bytes

Times go out in UTC (no VTIMEZONE needed); `sequence` rises with every change so that
calendars replace the earlier copy. `method` is iTIP's (RFC 5546): REQUEST for an
invitation or its update, CANCEL (STATUS:CANCELLED) to take it back — both name the
recipient as ATTENDEE, as iTIP requires — and PUBLISH for a file to download.
"""

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Industry-Academia Alliance Programme//Alliance Portal//ZH-TW"


def _address(name: str, email: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    address.params.update(params)
    return address


def invitation(
    *,
    uid: str,
    sequence: int,
    start: dt.datetime,
    end: dt.datetime,
    summary: str,
    location: str = "",
    description: str = "",
    url: str = "",
    organizer_email: str | None = None,
    attendees: list[tuple[str, str]] = (),
    method: str = "REQUEST",
    cancelled: bool | None = None,
) -> bytes:
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unsupported iTIP method {method}")
    if cancelled is None:
        cancelled = method == "CANCEL"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(dt.UTC))
    event.add("dtend", end.astimezone(dt.UTC))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add(
        "organizer",
        _address(*parseaddr(organizer_email or settings.DEFAULT_FROM_EMAIL)),
    )
    for name, email in attendees:
        event.add("attendee", _address(name, email, ROLE="REQ-PARTICIPANT", RSVP="FALSE"))
    calendar.add_component(event)
    return calendar.to_ical()
