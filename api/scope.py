"""What the asking person may see, by the same predicates the portal's pages use: an
alliance (or year) they may not open in the portal does not exist in the API (404)."""

from django.http import Http404

from accounts.permissions import require
from alliances.models import Alliance, AllianceYear
from alliances.permissions import can_view_alliance, visible_alliances
from reports import permissions as report_permissions


def alliances_for(user):
    """The alliances whose private pages the user may open (alliances.visible_alliances)."""
    return visible_alliances(user).select_related("field").order_by("code", "pk")


def alliance_for(user, code: str) -> Alliance:
    alliance = Alliance.objects.select_related("field").filter(code=code).first()
    if alliance is None or not can_view_alliance(user, alliance):
        raise Http404
    return alliance


def alliance_year_for(user, code: str, year: int) -> AllianceYear:
    alliance = alliance_for(user, code)
    ay = (
        AllianceYear.objects.select_related("programme_year")
        .filter(alliance=alliance, programme_year__roc_year=year)
        .first()
    )
    if ay is None:
        raise Http404
    ay.alliance = alliance
    return ay


def require_reports(user) -> list[int] | None:
    """404 unless the user reads reports; the alliances they may see named (None: all)."""
    require(report_permissions.can_see_reports(user))
    return report_permissions.named_alliances(user)
