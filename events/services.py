"""Every change to events, registrations, attendance and announcements: one transaction
each, with its audit event and the emails it causes.

Seats: a registration takes one seat per named attendee. `register` and
`registration_cancel` lock the event row, so two people racing for the last seat are
served one after the other: one gets it, the other waits in line. Registrations wait in
the order they came; when seats free, the first in line moves up if it fits (and the next
after it, and so on), never someone behind it first.
"""

import datetime as dt
import mimetypes

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import require
from alliances.selectors import team_recipients
from core import audit, ics, roc
from core.mail import send_templated_email
from events import permissions
from events.models import (
    Announcement,
    AnnouncementAttachment,
    Attendee,
    Event,
    EventKind,
    EventMaterial,
    EventStatus,
    Registration,
    RegistrationStatus,
)

MAX_ATTENDEES = 20
REMINDER_DAYS = 2  # a reminder goes out two days before the event


class EventError(Exception):
    """A refused step, with a message for the person who tried it."""


def _url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def event_url(event) -> str:
    return reverse("event_detail", kwargs={"event_id": event.pk})


def _audit(target, action, by, *, alliance=None, before=None, after=None, reason=""):
    audit.record(
        actor=by,
        action=action,
        target=target,
        alliance=alliance,
        before=before,
        after=after,
        reason=reason,
    )


def _locked(event) -> Event:
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


def is_over(event, today: dt.date | None = None) -> bool:
    return (today or roc.today()) > last_day(event)


def open_for_registration(event, today: dt.date | None = None) -> bool:
    today = today or roc.today()
    if event.status != EventStatus.SCHEDULED or is_over(event, today):
        return False
    return not (event.registration_deadline and today > event.registration_deadline)


# --- calendar files -----------------------------------------------------------------


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
        url=_url(event_url(event)),
        attendees=[recipient] if recipient else [],
        method=method,
        cancelled=event.status == EventStatus.CANCELLED or method == "CANCEL",
    )


def _mail(registration, *, template, key, by=None, method="REQUEST", extra=None):
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
                "url": _url(event_url(event)),
                **(extra or {}),
            },
            language=language,
            dedupe_key=f"{key}:{email.lower()}",
            created_by=by,
            attachments=attachments,
        )


# --- events -------------------------------------------------------------------------


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
    confirmed, with the updated .ics."""
    require(permissions.can_manage(by))
    fields = list(fields)
    if event.kind == EventKind.EXCHANGE and not fields:
        raise EventError(_("A field exchange meeting covers at least one field."))
    before = {}
    moved = False
    if event.pk:
        old = _locked(event)
        if old.status == EventStatus.CANCELLED:
            raise EventError(_("This event is cancelled; it can no longer change."))
        before = _event_state(old)
        moved = _placed(old) != _placed(event)
        if event.capacity is not None:
            taken = _taken(old)
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
    _audit(
        event,
        "event.changed" if before else "event.created",
        by,
        before=before,
        after=_event_state(event),
    )
    if moved:
        for registration in event.registrations.exclude(status=RegistrationStatus.CANCELLED):
            confirmed = registration.status == RegistrationStatus.CONFIRMED
            _mail(
                registration,
                template="event_changed",
                key=f"event:{event.pk}:changed:{event.sequence}:{registration.pk}",
                by=by,
                method="REQUEST" if confirmed else None,
            )
    # More seats may let people in line move up.
    _promote(event, by=by)
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
    event = _locked(event)
    if event.status == EventStatus.CANCELLED:
        raise EventError(_("This event is cancelled already."))
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise EventError(_("Say why the event is cancelled; the people registered are told."))
    event.status = EventStatus.CANCELLED
    event.sequence += 1
    event.save(update_fields=["status", "sequence"])
    _audit(
        event,
        "event.cancelled",
        by,
        before={"status": EventStatus.SCHEDULED},
        after={"status": event.status},
        reason=reason,
    )
    for registration in event.registrations.exclude(status=RegistrationStatus.CANCELLED):
        _mail(
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
        _audit(event, "event.material_added", by, after={"title": material.title})
    except Exception:
        material.file.delete(save=False)
        raise
    return material


# --- registrations -------------------------------------------------------------------


def _taken(event) -> int:
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
    event = _locked(event)
    require(permissions.can_see_events(by) and permissions.can_register(by, alliance, event))
    if event.status != EventStatus.SCHEDULED:
        raise EventError(_("This event is cancelled."))
    if event.kind == EventKind.EXCHANGE and not event.fields.filter(pk=alliance.field_id).exists():
        raise EventError(
            _("This exchange meeting is for the alliances of %(fields)s.")
            % {"fields": "、".join(f.name for f in event.fields.all())}
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
    fits = event.capacity is None or _taken(event) + seats <= event.capacity
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
    _audit(
        registration,
        "event.registered",
        by,
        alliance=alliance,
        after={"status": status, "seats": seats, "event": event.pk},
    )
    if status == RegistrationStatus.CONFIRMED:
        _mail(
            registration,
            template="event_confirmed",
            key=f"registration:{registration.pk}:confirmed",
            by=by,
        )
    else:
        _mail(
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
    event = _locked(registration.event)
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
    _audit(
        registration,
        "event.registration_cancelled",
        by,
        alliance=registration.alliance,
        before={"status": before},
        after={"status": registration.status},
    )
    if before == RegistrationStatus.CONFIRMED:
        _mail(
            registration,
            template="event_cancelled_registration",
            key=f"registration:{registration.pk}:cancelled",
            by=by,
            method="CANCEL",
        )
    _promote(event, by=by)
    return registration


def _promote(event, *, by) -> list[Registration]:
    """Move registrations up from the waiting list, first come first served, while their
    seats fit (the caller holds the event's lock)."""
    promoted = []
    if event.status != EventStatus.SCHEDULED or is_over(event):
        return promoted  # nobody is told of a seat at an event that will not take place
    taken = _taken(event)
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
        _audit(
            registration,
            "event.registration_promoted",
            by,
            alliance=registration.alliance,
            before={"status": RegistrationStatus.WAITLISTED},
            after={"status": RegistrationStatus.CONFIRMED},
        )
        _mail(
            registration,
            template="event_promoted",
            key=f"registration:{registration.pk}:promoted",
            by=by,
        )
    return promoted


# --- attendance -----------------------------------------------------------------------


@transaction.atomic
def attendance_mark(*, event, marks: dict, by) -> int:
    """The office marks who attended: {attendee id: True, False or None}."""
    require(permissions.can_manage(by))
    event = _locked(event)
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
        _audit(
            event,
            "event.attendance_marked",
            by,
            after={"present": sum(1 for a in changed if a.attended), "changed": len(changed)},
        )
    return len(changed)


# --- reminders -------------------------------------------------------------------------


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
            _mail(
                registration,
                template="event_reminder",
                key=f"registration:{registration.pk}:reminder:{registration.event.sequence}",
            )
        queued += 1
    return queued


# --- announcements ---------------------------------------------------------------------


@transaction.atomic
def announcement_post(*, title, body, roles, fields, files, by) -> Announcement:
    require(permissions.can_manage(by))
    title, body = (title or "").strip()[:200], (body or "").strip()
    if not title or not body:
        raise EventError(_("An announcement needs a title and a text."))
    announcement = Announcement.objects.create(
        title=title, body=body, roles=sorted(set(roles)), created_by=by
    )
    announcement.fields.set(fields)
    saved = []
    try:
        for upload in files:
            if upload.size > 20 * 1024 * 1024:
                raise EventError(
                    _("%(name)s is over 20 MB; attach a smaller file.") % {"name": upload.name}
                )
            attachment = AnnouncementAttachment(
                announcement=announcement, filename=upload.name[:200]
            )
            attachment.file.save(upload.name, upload, save=False)
            saved.append(attachment)
            attachment.save()
        _audit(
            announcement,
            "announcement.posted",
            by,
            after={"roles": announcement.roles, "fields": [f.code for f in fields]},
        )
    except Exception:
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
    return announcement


def audience(announcement) -> list:
    """The active people an announcement is addressed to (for its email): the same rule
    as who reads it (permissions.matches), over every active role."""
    from accounts.models import User
    from alliances.models import AllianceRole, RoleStatus

    chosen = {f.pk for f in announcement.fields.all()}
    people = {}
    alliance_roles = AllianceRole.objects.filter(
        status=RoleStatus.ACTIVE, user__is_active=True
    ).select_related("user", "alliance")
    for role in alliance_roles:
        if permissions.matches(
            announcement, role=role.role, field_id=role.alliance.field_id, chosen_fields=chosen
        ):
            people[role.user_id] = role.user
    for user in User.objects.filter(is_active=True).exclude(programme_role=""):
        if permissions.matches(
            announcement, role=user.programme_role, field_id=None, chosen_fields=chosen
        ):
            people[user.pk] = user
    return sorted(people.values(), key=lambda u: u.email)


@transaction.atomic
def announcement_email(*, announcement, by) -> int:
    require(permissions.can_manage(by))
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    people = audience(announcement)
    if not people:
        raise EventError(_("Nobody is addressed by this announcement."))
    attachments = [
        {
            "path": a.file.name,
            "filename": a.filename,
            "mimetype": mimetypes.guess_type(a.filename)[0] or "application/octet-stream",
        }
        for a in announcement.attachments.all()
    ]
    for user in people:
        send_templated_email(
            to=[user.email],
            template="announcement",
            context={
                "announcement": announcement,
                "url": _url(reverse("announcement_detail", kwargs={"nid": announcement.pk})),
            },
            language=user.preferred_language,
            dedupe_key=f"announcement:{announcement.pk}:{user.pk}",
            created_by=by,
            attachments=attachments,
        )
    announcement.emailed_at = timezone.now()
    announcement.save(update_fields=["emailed_at"])
    _audit(announcement, "announcement.emailed", by, after={"recipients": len(people)})
    return len(people)
