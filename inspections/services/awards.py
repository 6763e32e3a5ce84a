"""The outstanding alliance of each field: selected, published.

A field has at most one published award and one choice awaiting publication. Choosing
another alliance where one is published needs the office's confirmation; the published
award stays on the directory until the new choice is published, which replaces it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from alliances.models import ProgrammeYear
from core import roc
from inspections import permissions
from inspections.models import (
    Award,
    Recommendation,
    VisitStatus,
)
from inspections.services.base import MAX_TEXT, VisitError, audit_visit, locked_visit


class AwardNeedsConfirmation(VisitError):
    """Another alliance of the field is published; choosing this one must be confirmed.
    `published` is the award that stays on the directory until the new one is published."""

    def __init__(self, published: Award):
        self.published = published
        super().__init__(
            _(
                "%(alliance)s is the published outstanding alliance of %(field)s (published "
                "%(when)s). If you choose another alliance, %(alliance)s stays on the "
                "directory until the new choice is published, which then replaces it."
            )
            % {
                "alliance": published.visit.alliance_year.alliance,
                "field": published.field,
                "when": roc.format_roc_date(timezone.localtime(published.published_at)),
            }
        )


def _state(award) -> dict:
    return {"visit": award.visit_id, "note": award.note} if award else {}


@transaction.atomic
def award_select(*, visit, by, note: str = "", confirmed: bool = False) -> Award:
    """The office chooses the outstanding alliance of the visit's field and year. Choosing
    another replaces an unpublished choice; where an award is published, the new choice
    needs `confirmed` and waits for publication beside it. Choosing the published alliance
    again withdraws a choice awaiting publication."""
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
    awards = Award.objects.filter(programme_year=ay.programme_year, field=field).select_related(
        "field", "visit__alliance_year__alliance"
    )
    published = next((a for a in awards if a.published_at is not None), None)
    pending = next((a for a in awards if a.published_at is None), None)
    current = pending or published
    before = _state(current)
    note = (note or "").strip()[:MAX_TEXT]
    if published is not None and published.visit_id == visit.pk:
        if pending is not None:  # back to the published choice: nothing awaits publication
            pending.delete()
            audit_visit(visit, "award.selected", by, before=before, after={"visit": visit.pk})
        if note and note != published.note:
            published.note = note
            published.save(update_fields=["note"])
            audit_visit(visit, "award.noted", by, before=before, after={"note": note})
        return published
    if pending is not None and pending.visit_id == visit.pk:
        if note and note != pending.note:
            pending.note = note
            pending.save(update_fields=["note"])
            audit_visit(visit, "award.noted", by, before=before, after={"note": note})
        return pending
    if published is not None and not confirmed:
        raise AwardNeedsConfirmation(published)
    if pending is not None:
        pending.delete()
    award = Award.objects.create(
        programme_year=ay.programme_year,
        field=field,
        visit=visit,
        note=note,
        selected_by=by,
    )
    after = {"visit": visit.pk, "field": field.code}
    if published is not None:
        after["published_stays"] = published.visit_id
    audit_visit(visit, "award.selected", by, before=before, after=after)
    return award


@transaction.atomic
def awards_publish(*, programme_year, by) -> int:
    """Publish the year's chosen outstanding alliances on the public directory; each
    replaces its field's published award, if any."""
    require(permissions.can_manage(by))
    ProgrammeYear.objects.select_for_update().filter(pk=programme_year.pk).first()
    awards = list(
        Award.objects.select_for_update()
        .filter(programme_year=programme_year, published_at__isnull=True)
        .select_related("field", "visit")
    )
    if not awards:
        raise VisitError(
            _("There is no unpublished choice for %(year)s.") % {"year": programme_year.roc_year}
        )
    replaced = {
        award.field_id: award
        for award in Award.objects.select_for_update().filter(
            programme_year=programme_year,
            published_at__isnull=False,
            field__in=[a.field_id for a in awards],
        )
    }
    now = timezone.now()
    for award in awards:
        before = {}
        old = replaced.get(award.field_id)
        if old is not None:
            before = {"visit": old.visit_id, "published_at": old.published_at.isoformat()}
            old.delete()
        award.published_at = now
        award.save(update_fields=["published_at"])
        audit_visit(
            award.visit,
            "award.published",
            by,
            before=before,
            after={"field": award.field.code, "visit": award.visit_id},
        )
    return len(awards)
