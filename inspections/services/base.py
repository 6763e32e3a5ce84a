"""What every change to a site visit shares: the refusal, links, the audit event, the lock."""

from django.conf import settings
from django.urls import reverse

from core import audit
from inspections.models import (
    SiteVisit,
)

MAX_TEXT = 4000


class VisitError(Exception):
    """A refused step, with a message for the person who tried it."""


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def visit_url(visit) -> str:
    return reverse("visit_detail", kwargs={"vid": visit.pk})


def alliance_of(visit):
    return visit.alliance_year.alliance


def visit_state(visit) -> dict:
    return {
        "starts_at": visit.starts_at.isoformat(),
        "place": visit.place,
        "agenda": visit.agenda,
        "status": visit.status,
        "reviewers": sorted(visit.forms.values_list("reviewer_id", flat=True)),
        "staff": sorted(visit.staff.values_list("pk", flat=True)),
    }


def audit_visit(visit, action, by, before=None, after=None, reason=""):
    audit.record(
        actor=by,
        action=action,
        target=visit,
        alliance=alliance_of(visit),
        before=before,
        after=after,
        reason=reason,
    )


def locked_visit(visit) -> SiteVisit:
    return SiteVisit.objects.select_for_update().get(pk=visit.pk)
