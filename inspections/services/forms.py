"""The reviewers' forms: saved, submitted, returned."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.permissions import is_reviewer, require
from core.mail import send_templated_email
from inspections import permissions
from inspections.models import (
    ConflictDeclaration,
    FormStatus,
    Recommendation,
    ReviewForm,
    ReviewPoint,
    ReviewScore,
    VisitStatus,
)
from inspections.services.base import MAX_TEXT, VisitError, absolute_url, alliance_of, audit_visit


def _scale(form) -> tuple[int, int]:
    year = form.visit.alliance_year.programme_year
    return year.visit_score_min, year.visit_score_max


@transaction.atomic
def form_save(
    *, form, by, scores: dict, recommendation: str, comment: str, submit: bool
) -> ReviewForm:
    """The reviewer saves their form (a draft keeps what is there) or submits it: every
    point scored on the year's scale and a recommendation; then it is locked.

    `scores`: {point: (score or None, comment)} for the seven review points."""
    # Lock the form and its visit (a save never interleaves with cancelling or recording
    # the result), not the alliance-year and programme year read beside them.
    form = (
        ReviewForm.objects.select_for_update(of=("self", "visit"))
        .select_related("visit__alliance_year__programme_year")
        .get(pk=form.pk)
    )
    require(is_reviewer(by) and form.reviewer_id == by.pk)
    if form.status == FormStatus.SUBMITTED:
        raise VisitError(
            _(
                "This form has been submitted and is locked; the programme office "
                "can return it to you if something must change."
            )
        )
    if not form.visit.is_open:
        raise VisitError(
            _("The visit is %(status)s; its forms can no longer change.")
            % {"status": form.visit.get_status_display()}
        )
    if not ConflictDeclaration.objects.filter(form=form, conflict=False).exists():
        raise VisitError(
            _(
                "Declare first that you have no conflict of interest with this alliance "
                "(or withdraw from the visit if you have one)."
            )
        )
    low, high = _scale(form)
    for point in scores:
        if point not in ReviewPoint.values:
            raise VisitError(_("There is no review point %(point)s.") % {"point": point})
    for point, (score, _text) in scores.items():
        if score is not None and not low <= score <= high:
            raise VisitError(
                _("%(point)s: scores run from %(low)s to %(high)s; %(score)s is outside.")
                % {"point": ReviewPoint(point).label, "low": low, "high": high, "score": score}
            )
    if recommendation and recommendation not in Recommendation.values:
        raise VisitError(_("Choose one of the recommendations."))
    if submit:
        missing = [
            ReviewPoint(p).label for p in ReviewPoint.values if scores.get(p, (None, ""))[0] is None
        ]
        if missing:
            raise VisitError(
                _("Score every review point before submitting; missing: %(points)s.")
                % {"points": pgettext("list separator", ", ").join(str(m) for m in missing)}
            )
        if not recommendation:
            raise VisitError(_("Choose an overall recommendation before submitting."))
    before = _form_state(form)
    for point, (score, text) in scores.items():
        ReviewScore.objects.update_or_create(
            form=form,
            point=point,
            defaults={"score": score, "comment": (text or "").strip()[:MAX_TEXT]},
        )
    form.recommendation = recommendation or ""
    form.comment = (comment or "").strip()[:MAX_TEXT]
    if submit:
        form.status = FormStatus.SUBMITTED
        form.submitted_at = timezone.now()
    form.save()
    audit_visit(
        form.visit,
        "visit.form_submitted" if submit else "visit.form_saved",
        by,
        before=before,
        after=_form_state(form),
    )
    return form


def _form_state(form) -> dict:
    """A form as the audit trail keeps it: what a resubmission replaced stays readable."""
    return {
        "form": form.pk,
        "status": form.status,
        "scores": {row.point: row.score for row in form.scores.all()},
        "recommendation": form.recommendation,
    }


@transaction.atomic
def form_return(*, form, by, reason: str) -> ReviewForm:
    """The office returns a submitted form to its reviewer, who may change and resubmit."""
    require(permissions.can_manage(by))
    form = ReviewForm.objects.select_for_update().select_related("visit").get(pk=form.pk)
    if form.status != FormStatus.SUBMITTED:
        raise VisitError(_("Only a submitted form can be returned."))
    if form.visit.status == VisitStatus.CANCELLED:
        raise VisitError(_("The visit is cancelled; its forms are closed."))
    if not form.visit.is_open:
        raise VisitError(_("The visit's result is recorded; reopen it before returning a form."))
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise VisitError(_("Say what the reviewer should look at again."))
    form.status = FormStatus.RETURNED
    form.returned_at = timezone.now()
    form.return_reason = reason
    form.save()
    audit_visit(form.visit, "visit.form_returned", by, after={"form": form.pk}, reason=reason)
    send_templated_email(
        to=[form.reviewer.email],
        template="visit_form_returned",
        context={
            "visit": form.visit,
            "alliance": alliance_of(form.visit),
            "reason": reason,
            "url": absolute_url(reverse("visit_form", kwargs={"vid": form.visit_id})),
        },
        language=form.reviewer.preferred_language,
        dedupe_key=f"visitform:{form.pk}:returned:{form.returned_at.isoformat()}",
        created_by=by,
    )
    return form
