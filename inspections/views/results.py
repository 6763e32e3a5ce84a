"""The office's result of a visit: forms returned, consolidated, reopened, shared."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import office_view
from inspections import pdf, permissions, selectors, services
from inspections.forms import (
    ConsolidateForm,
    ReasonForm,
    ShareForm,
)
from inspections.models import (
    ReviewForm,
    ReviewPoint,
)
from inspections.services import VisitError
from inspections.views.office import office_visit
from inspections.views.people import pdf_response


def _result_context(request, visit, **extra):
    forms = [
        {"form": f, "rows": selectors.form_scores(f)}
        for f in visit.forms.select_related("reviewer").prefetch_related("scores")
    ]
    side = [
        {"label": label, "cells": [entry["rows"][i]["row"] for entry in forms]}
        for i, (_point, label) in enumerate(ReviewPoint.choices)
    ]
    return {
        "side": side,
        "visit": visit,
        "alliance": visit.alliance_year.alliance,
        "result": selectors.consolidate(visit),
        "forms": forms,
        "office": permissions.can_manage(request.user),
        "consolidate_form": extra.get("consolidate_form") or ConsolidateForm(),
        "share_form": ShareForm(),
        "reason_form": ReasonForm(),
        "warnings": selectors.warnings(visit),
    }


@office_view(viewers=True)
def visit_result(request, vid):
    """The forms side by side and the consolidated result."""
    visit = office_visit(request, vid)
    return render(request, "inspections/result.html", _result_context(request, visit))


def _refused(request, visit, message, **forms):
    messages.error(request, message)
    return render(
        request, "inspections/result.html", _result_context(request, visit, **forms), status=400
    )


@office_view
@require_POST
def visit_form_return(request, vid, form_id):
    visit = office_visit(request, vid)
    form_obj = get_object_or_404(ReviewForm, pk=form_id, visit=visit)
    reason = ReasonForm(request.POST)
    if not reason.is_valid():
        return _refused(request, visit, _("Say what the reviewer should look at again."))
    try:
        services.form_return(form=form_obj, by=request.user, reason=reason.cleaned_data["reason"])
    except VisitError as error:
        return _refused(request, visit, str(error))
    messages.success(
        request,
        _("The form is returned to %(name)s, who is emailed.") % {"name": form_obj.reviewer},
    )
    return redirect("visit_result", vid=visit.pk)


@office_view
@require_POST
def visit_consolidate(request, vid):
    visit = office_visit(request, vid)
    form = ConsolidateForm(request.POST)
    if not form.is_valid():
        return _refused(request, visit, _("Choose the visit's outcome."), consolidate_form=form)
    try:
        services.visit_consolidate(
            visit=visit,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except VisitError as error:
        return _refused(request, visit, str(error), consolidate_form=form)
    messages.success(request, _("The result is recorded."))
    return redirect("visit_result", vid=visit.pk)


@office_view
@require_POST
def visit_reopen(request, vid):
    visit = office_visit(request, vid)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refused(request, visit, _("Say why the result is reopened."))
    try:
        services.visit_reopen(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
    except VisitError as error:
        return _refused(request, visit, str(error))
    messages.success(request, _("The result is reopened; forms can be returned again."))
    return redirect("visit_result", vid=visit.pk)


@office_view
@require_POST
def visit_share(request, vid):
    visit = office_visit(request, vid)
    form = ShareForm(request.POST)
    form.is_valid()
    try:
        services.visit_share(
            visit=visit, by=request.user, show_names=form.cleaned_data.get("show_names", False)
        )
    except VisitError as error:
        return _refused(request, visit, str(error))
    messages.success(
        request, _("The summary is shared with the alliance and emailed to its PI and co-PIs.")
    )
    return redirect("visit_result", vid=visit.pk)


@office_view(viewers=True)
def visit_result_pdf(request, vid):
    visit = office_visit(request, vid)
    return pdf_response(pdf.render_result(visit), f"site-visit-result-{visit.pk}.pdf")
