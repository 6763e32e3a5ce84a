"""Invitations to a site visit: who is invited, the calendar file, the emails."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from alliances.selectors import team_recipients
from core import ics, roc
from core.mail import send_templated_email
from inspections.models import (
    VisitStatus,
)
from inspections.services.base import absolute_url, alliance_of, visit_url


def invitees(visit) -> list[tuple[User, str]]:
    """Who is invited and as what: the reviewers, the staff, the alliance's PI and co-PIs."""
    people = [(form.reviewer, "reviewer") for form in visit.forms.select_related("reviewer")]
    people += [(user, "staff") for user in visit.staff.all()]
    people += [
        (user, "alliance") for user in team_recipients(alliance_of(visit).pk, assistants=False)
    ]
    seen, result = set(), []
    for user, role in people:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            result.append((user, role))
    return result


def calendar_file(visit, *, method: str = "PUBLISH", attendee: User | None = None) -> bytes:
    """The visit as an iCalendar event in the current language: an invitation to one
    person (REQUEST or CANCEL, naming only them), or the page's download (PUBLISH).
    Reviewers are never named in it: the alliance's people get the same event."""
    alliance = alliance_of(visit)
    lines = [f"{row['item']} ({row['minutes']}')" for row in visit.agenda]
    return ics.invitation(
        uid=f"site-visit-{visit.pk}@{settings.PORTAL_BASE_URL.split('//')[-1]}",
        sequence=visit.sequence,
        start=visit.starts_at,
        end=visit.ends_at,
        summary=_("Site visit: %(alliance)s") % {"alliance": alliance.name},
        location=visit.place,
        description="\n".join(lines),
        url=absolute_url(visit_url(visit)),
        attendees=[(attendee.name, attendee.email)] if attendee is not None else [],
        method=method,
        cancelled=visit.status == VisitStatus.CANCELLED or method == "CANCEL",
    )


def send_invitations(visit, people, *, kind: str, by) -> None:
    """Email each person the visit with their own .ics (kind: invitation, update,
    cancellation). The dedupe key holds the visit's sequence, which every change raises."""
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    for user, role in people:
        with translation.override(user.preferred_language):
            content = calendar_file(visit, method=method, attendee=user).decode()
        send_templated_email(
            to=[user.email],
            template="visit_invitation",
            context={
                "visit": visit,
                "alliance": alliance_of(visit),
                "kind": kind,
                "role": role,
                "when": roc.format_roc_datetime(visit.starts_at),
                "agenda": visit.agenda_times(),
                "url": absolute_url(visit_url(visit)),
            },
            language=user.preferred_language,
            dedupe_key=f"visit:{visit.pk}:{kind}:{visit.sequence}:{user.pk}",
            created_by=by,
            attachments=[
                {
                    "content": content,
                    "filename": "site-visit.ics",
                    "mimetype": f"text/calendar; method={method}",
                }
            ],
        )
