"""A visit's result: consolidated, reopened, shared with the alliance."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from alliances.selectors import team_recipients
from core import roc
from core.mail import send_templated_email
from inspections import permissions, selectors
from inspections.models import (
    MIN_REVIEWERS,
    Award,
    FormStatus,
    Recommendation,
    SiteVisit,
    VisitStatus,
)
from inspections.services.base import (
    MAX_TEXT,
    VisitError,
    absolute_url,
    alliance_of,
    audit_visit,
    locked_visit,
)


@transaction.atomic
def visit_consolidate(*, visit, by, outcome: str, note: str) -> SiteVisit:
    """Record the result: needs at least three submitted forms and none still open."""
    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if not visit.is_open:
        raise VisitError(
            _("Only a scheduled visit gets a result; this one is %(status)s.")
            % {"status": visit.get_status_display()}
        )
    forms = list(visit.forms.select_related("reviewer"))
    submitted = [f for f in forms if f.status == FormStatus.SUBMITTED]
    if len(submitted) < MIN_REVIEWERS:
        raise VisitError(
            _(
                "%(n)s of the forms are submitted; the result needs at least three reviewers' "
                "submitted forms."
            )
            % {"n": len(submitted)}
        )
    waiting = [f for f in forms if f.status != FormStatus.SUBMITTED]
    if waiting:
        raise VisitError(
            _("%(name)s's form is not submitted yet; wait for it or remove them from the visit.")
            % {"name": waiting[0].reviewer}
        )
    if outcome not in Recommendation.values:
        raise VisitError(_("Choose the visit's outcome."))
    result = selectors.consolidate(visit)
    visit.status = VisitStatus.CONSOLIDATED
    visit.outcome = outcome
    visit.outcome_note = (note or "").strip()[:MAX_TEXT]
    visit.score = result.score
    visit.consolidated_at = timezone.now()
    visit.consolidated_by = by
    visit.save()
    audit_visit(
        visit,
        "visit.consolidated",
        by,
        before={"status": VisitStatus.SCHEDULED},
        after={"status": visit.status, "outcome": outcome, "score": str(visit.score)},
    )
    return visit


@transaction.atomic
def visit_reopen(*, visit, by, reason: str) -> SiteVisit:
    """Back to scheduled (forms can be returned again) — not once shared or awarded."""
    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Only a visit with a recorded result can be reopened."))
    if visit.is_shared:
        raise VisitError(_("The summary has been shared with the alliance; the result stays."))
    if Award.objects.filter(visit=visit).exists():
        raise VisitError(
            _(
                "This visit's alliance is selected as outstanding; choose another "
                "alliance for the field first."
            )
        )
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise VisitError(_("Say why the result is reopened."))
    visit.status = VisitStatus.SCHEDULED
    visit.score = None
    visit.consolidated_at = None
    visit.consolidated_by = None
    visit.save()
    audit_visit(
        visit,
        "visit.reopened",
        by,
        before={"status": VisitStatus.CONSOLIDATED},
        after={"status": visit.status},
        reason=reason,
    )
    return visit


@transaction.atomic
def visit_share(*, visit, by, show_names: bool) -> SiteVisit:
    """Share the summary with the alliance: the PDF is frozen and emailed to its PI and
    co-PIs; the team reads it on the visit's page. Reviewers named only if chosen."""
    from inspections import pdf

    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Record the visit's result before sharing it."))
    if visit.is_shared:
        raise VisitError(
            _("The summary was shared on %(date)s already.")
            % {"date": roc.format_roc_date(visit.shared_at)}
        )
    visit.show_reviewer_names = bool(show_names)
    visit.shared_at = timezone.now()
    data = pdf.render_summary(visit)  # before any write: a failing render changes nothing
    visit.summary_pdf.save("summary.pdf", ContentFile(data), save=False)
    try:
        visit.save()
        audit_visit(visit, "visit.shared", by, after={"named": visit.show_reviewer_names})
        _send_summary(visit, by)
    except Exception:
        visit.summary_pdf.delete(save=False)  # the row rolls back; the file goes too
        raise
    return visit


def _send_summary(visit, by) -> None:
    attachment = {
        "path": visit.summary_pdf.name,
        "filename": f"site-visit-{visit.alliance_year.programme_year.roc_year}.pdf",
        "mimetype": "application/pdf",
    }
    for user in team_recipients(alliance_of(visit).pk, assistants=False):
        send_templated_email(
            to=[user.email],
            template="visit_summary_shared",
            context={
                "visit": visit,
                "alliance": alliance_of(visit),
                "url": absolute_url(reverse("visit_summary", kwargs={"vid": visit.pk})),
            },
            language=user.preferred_language,
            dedupe_key=f"visit:{visit.pk}:shared:{user.pk}",
            created_by=by,
            attachments=[attachment],
        )
