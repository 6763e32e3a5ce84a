"""The firms' attendees of a site visit."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import require
from inspections import permissions
from inspections.models import (
    AttendeeKind,
    VisitAttendee,
)
from inspections.services.base import VisitError, audit_visit, locked_visit


def resolve_firm(text: str):
    """A firm named by its 統一編號 or its exact name; None when no firm matches."""
    from members.models import Firm
    from members.ubn import normalize_ubn

    text = (text or "").strip()
    if not text:
        return None
    ubn = normalize_ubn(text)
    if ubn.isdigit() and len(ubn) == 8:
        firm = Firm.objects.filter(ubn=ubn).first()
        if firm:
            return firm
    return Firm.objects.filter(name=text).order_by("pk").first()


def _attendees_open(visit, by) -> None:
    require(permissions.can_see_visit(by, visit) and permissions.keeps_attendees(by, visit))
    if not visit.is_open:
        raise VisitError(
            _("The list of attendees can no longer change: the visit is %(status)s.")
            % {"status": visit.get_status_display()}
        )


@transaction.atomic
def attendee_add(*, visit, by, kind, name, title="", firm_text="") -> VisitAttendee:
    visit = locked_visit(visit)
    _attendees_open(visit, by)
    if kind not in AttendeeKind.values:
        raise VisitError(_("Choose how the person attends."))
    name = (name or "").strip()[:100]
    if not name:
        raise VisitError(_("Give the attendee's name."))
    firm = resolve_firm(firm_text) if kind == "member" else None
    if kind == "member" and not (firm_text or "").strip():
        raise VisitError(_("Name the firm a member-firm representative comes from."))
    attendee = VisitAttendee.objects.create(
        visit=visit,
        kind=kind,
        name=name,
        title=(title or "").strip()[:100],
        firm=firm,
        firm_name="" if firm else (firm_text or "").strip()[:200],
    )
    audit_visit(
        visit,
        "visit.attendee_added",
        by,
        after={"name": attendee.name, "kind": kind, "firm": attendee.firm_label},
    )
    return attendee


@transaction.atomic
def attendee_remove(*, attendee, by) -> None:
    visit = locked_visit(attendee.visit)
    _attendees_open(visit, by)
    audit_visit(
        visit,
        "visit.attendee_removed",
        by,
        before={"name": attendee.name, "kind": attendee.kind, "firm": attendee.firm_label},
    )
    attendee.delete()
