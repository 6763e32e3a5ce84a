"""The outstanding alliance of each field: selected, published."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from alliances.models import ProgrammeYear
from inspections import permissions
from inspections.models import (
    Award,
    Recommendation,
    VisitStatus,
)
from inspections.services.base import MAX_TEXT, VisitError, audit_visit, locked_visit


@transaction.atomic
def award_select(*, visit, by, note: str = "") -> Award:
    """The office chooses the outstanding alliance of the visit's field and year; choosing
    another replaces it (and it must be published again)."""
    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Only an alliance whose visit has a recorded result can be chosen."))
    if visit.outcome == Recommendation.STOP:
        raise VisitError(
            _("The visit's outcome recommends ending the subsidy; the alliance cannot be chosen.")
        )
    ay = visit.alliance_year
    field = ay.alliance.field
    # One choice per field and year: two offices choosing at once take turns on the year.
    ProgrammeYear.objects.select_for_update().filter(pk=ay.programme_year_id).first()
    current = Award.objects.filter(programme_year=ay.programme_year, field=field).first()
    before = {"visit": current.visit_id, "note": current.note} if current else {}
    note = (note or "").strip()[:MAX_TEXT]
    if current is not None and current.visit_id == visit.pk:
        if note and note != current.note:
            current.note = note
            current.save(update_fields=["note"])
            audit_visit(visit, "award.noted", by, before=before, after={"note": note})
        return current
    if current is not None:
        current.delete()
    award = Award.objects.create(
        programme_year=ay.programme_year,
        field=field,
        visit=visit,
        note=note,
        selected_by=by,
    )
    audit_visit(
        visit, "award.selected", by, before=before, after={"visit": visit.pk, "field": field.code}
    )
    return award


@transaction.atomic
def awards_publish(*, programme_year, by) -> int:
    """Publish the year's chosen outstanding alliances on the public directory."""
    require(permissions.can_manage(by))
    awards = list(
        Award.objects.select_for_update().filter(
            programme_year=programme_year, published_at__isnull=True
        )
    )
    if not awards:
        raise VisitError(
            _("There is no unpublished choice for %(year)s.") % {"year": programme_year.roc_year}
        )
    now = timezone.now()
    for award in awards:
        award.published_at = now
        award.save(update_fields=["published_at"])
        audit_visit(award.visit, "award.published", by, after={"field": award.field.code})
    return len(awards)
