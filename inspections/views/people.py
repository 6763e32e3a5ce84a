"""A visit's people's pages: the list, the visit, a reviewer's form, the attendees, the summary."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import is_reviewer, require
from alliances.permissions import active_roles, is_programme_reader, role_in
from core.forms import error_sentence
from inspections import pdf, permissions, selectors, services
from inspections.forms import (
    AttendeeForm,
    ConflictForm,
    ReviewFormForm,
)
from inspections.models import (
    FormStatus,
    ReviewForm,
    SiteVisit,
    VisitAttendee,
    VisitStatus,
)
from inspections.services import VisitError


def _visit(request, vid) -> SiteVisit:
    visit = selectors.visit_for_page(vid)
    if visit is None or not permissions.can_see_visit(request.user, visit):
        raise Http404
    return visit


def visit_page(view):
    """A page of one visit the user may see (404 otherwise); the view gets the visit."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, vid, *args, **kwargs):
        return view(request, _visit(request, vid), *args, **kwargs)

    return wrapper


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def visit_list(request):
    """A reviewer's assigned visits; an alliance's people see their alliances' visits."""
    user = request.user
    if is_programme_reader(user):
        return redirect("office_visits")
    alliances = list(active_roles(user))
    if not is_reviewer(user) and not alliances:
        raise Http404
    forms = list(selectors.reviewer_forms(user)) if is_reviewer(user) else []
    visits = (
        list(selectors.alliance_visits_of(alliances).exclude(status=VisitStatus.CANCELLED))
        if alliances
        else []
    )
    return render(
        request,
        "inspections/visit_list.html",
        {"forms": forms, "visits": visits, "is_reviewer": is_reviewer(user)},
    )


def _briefing(visit) -> list[dict]:
    """What a reviewer reads before the visit: last year's accepted figures and this year's
    targets, item by item (kpi catalog)."""
    from alliances.models import AllianceYear
    from kpi.filings import selectors as filing_selectors
    from kpi.ledger import catalog
    from kpi.models import FilingKind

    ay = visit.alliance_year
    targets, _source = filing_selectors.year_targets(ay)
    previous = AllianceYear.objects.filter(
        alliance_id=ay.alliance_id, programme_year__roc_year=ay.programme_year.roc_year - 1
    ).first()
    version = filing_selectors.accepted_version(previous, FilingKind.SECOND) if previous else None
    last = dict(version.items.values_list("code", "counted")) if version else {}
    return [
        {"item": item, "last": last.get(item.code), "target": targets.get(item.code)}
        for item in catalog.ITEMS
        if last.get(item.code) is not None or targets.get(item.code) is not None
    ]


@visit_page
def visit_detail(request, visit):
    user = request.user
    reader = is_programme_reader(user)
    mine = next((f for f in visit.forms.all() if f.reviewer_id == user.pk), None)
    on_team = role_in(user, visit.alliance_year.alliance_id) is not None
    context = {
        "visit": visit,
        "alliance": visit.alliance_year.alliance,
        "reader": reader,
        "office": permissions.can_manage(user),
        "own_form": mine if is_reviewer(user) else None,
        "on_team": on_team,
        "show_reviewers": reader or mine is not None,
        "can_edit_attendees": permissions.can_edit_attendees(user, visit),
        "warnings": selectors.warnings(visit) if (reader or on_team) else [],
        "briefing": _briefing(visit) if (reader or mine is not None) else None,
        "can_see_summary": permissions.can_see_summary(user, visit),
        # Conflicts of interest: each reviewer's declaration, overrides, withdrawals.
        "reviewer_rows": selectors.reviewer_rows(visit) if reader else None,
    }
    return render(request, "inspections/visit_detail.html", context)


@visit_page
def visit_ics(request, visit):
    data = services.calendar_file(visit, method="PUBLISH")
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="site-visit-{visit.pk}.ics"'
    return response


def own_form(request, visit) -> ReviewForm:
    form = next((f for f in visit.forms.all() if f.reviewer_id == request.user.pk), None)
    if form is None or not permissions.can_see_form(request.user, form):
        raise Http404
    return form


@visit_page
@require_http_methods(["GET", "POST"])
def visit_form(request, visit):
    """The reviewer's form: filled and saved as a draft, then submitted and locked. A
    form still to fill asks first for the reviewer's declaration on conflicts of interest."""
    form_obj = own_form(request, visit)
    if not form_obj.is_locked and not services.has_declared(form_obj):
        if request.method == "POST":
            messages.error(request, _("Declare first whether you have a conflict of interest."))
        return render(
            request,
            "inspections/declaration.html",
            {
                "visit": visit,
                "alliance": visit.alliance_year.alliance,
                "form_obj": form_obj,
                "conflict_form": ConflictForm(),
            },
            status=400 if request.method == "POST" else 200,
        )
    year = visit.alliance_year.programme_year
    low, high = year.visit_score_min, year.visit_score_max
    initial = {"recommendation": form_obj.recommendation, "comment": form_obj.comment}
    for row in form_obj.scores.all():
        initial[f"score_{row.point}"] = row.score
        initial[f"comment_{row.point}"] = row.comment
    locked = form_obj.is_locked
    status = 200
    if request.method == "POST":
        if locked:
            messages.error(
                request,
                _(
                    "This form has been submitted and is locked; the programme office can "
                    "return it to you if something must change."
                )
                if form_obj.status == FormStatus.SUBMITTED
                else _("The visit is %(status)s; its forms can no longer change.")
                % {"status": visit.get_status_display()},
            )
            return redirect("visit_form", vid=visit.pk)
        form = ReviewFormForm(request.POST, low=low, high=high)
        submit = "submit" in request.POST
        if form.is_valid():
            try:
                services.form_save(
                    form=form_obj,
                    by=request.user,
                    scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    comment=form.cleaned_data["comment"],
                    submit=submit,
                )
            except VisitError as error:
                messages.error(request, str(error))
                status = 400
            else:
                if submit:
                    messages.success(
                        request,
                        _("Your form is submitted and locked. Thank you."),
                    )
                    return redirect("visit_detail", vid=visit.pk)
                messages.success(request, _("Your draft is saved; submit it when complete."))
                return redirect("visit_form", vid=visit.pk)
        else:
            messages.error(
                request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)}
            )
            status = 400
    else:
        form = ReviewFormForm(initial=initial, low=low, high=high)
    return render(
        request,
        "inspections/review_form.html",
        {
            "visit": visit,
            "alliance": visit.alliance_year.alliance,
            "form_obj": form_obj,
            "form": form,
            "locked": locked,
            "low": low,
            "high": high,
            "rows": selectors.form_scores(form_obj),
            "conflict_form": ConflictForm(),
        },
        status=status,
    )


@visit_page
def visit_form_pdf(request, visit):
    form_obj = own_form(request, visit)
    return pdf_response(pdf.render_form(form_obj), f"review-form-{visit.pk}.pdf")


@visit_page
@require_http_methods(["GET", "POST"])
def visit_attendees(request, visit):
    """Who comes from the alliance's side; the PI, co-PIs and the office keep the list."""
    can_edit = permissions.can_edit_attendees(request.user, visit)
    status = 200
    form = AttendeeForm()
    if request.method == "POST":
        require(permissions.keeps_attendees(request.user, visit))
        form = AttendeeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.attendee_add(
                    visit=visit,
                    by=request.user,
                    kind=data["kind"],
                    name=data["name"],
                    title=data["title"],
                    firm_text=data["firm"],
                )
            except VisitError as error:
                messages.error(request, str(error))
                status = 400
            else:
                messages.success(request, _("%(name)s is on the list.") % {"name": data["name"]})
                return redirect("visit_attendees", vid=visit.pk)
        else:
            messages.error(
                request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)}
            )
            status = 400
    from members.models import Membership

    firms = (
        Membership.objects.filter(
            alliance_year__alliance_id=visit.alliance_year.alliance_id,
            alliance_year__programme_year__roc_year__in=[
                visit.alliance_year.programme_year.roc_year,
                visit.alliance_year.programme_year.roc_year - 1,
            ],
            firm__isnull=False,
        )
        .values_list("firm__name", flat=True)
        .distinct()
        .order_by("firm__name")
    )
    visit = selectors.visit_for_page(visit.pk)  # the list as it is now
    return render(
        request,
        "inspections/attendees.html",
        {
            "visit": visit,
            "alliance": visit.alliance_year.alliance,
            "form": form,
            "can_edit": can_edit,
            "firms": list(firms),
            "warnings": selectors.warnings(visit)
            if is_programme_reader(request.user)
            or role_in(request.user, visit.alliance_year.alliance_id) is not None
            else [],
        },
        status=status,
    )


@visit_page
@require_POST
def visit_attendee_delete(request, visit, attendee_id):
    attendee = get_object_or_404(VisitAttendee, pk=attendee_id, visit=visit)
    require(permissions.keeps_attendees(request.user, visit))
    try:
        services.attendee_remove(attendee=attendee, by=request.user)
    except VisitError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(name)s is off the list.") % {"name": attendee.name})
    return redirect("visit_attendees", vid=visit.pk)


@visit_page
def visit_summary(request, visit):
    """The summary as the alliance reads it: scores per point, comments (reviewers named
    only if the office chose so), the outcome and the office's conclusion."""
    require(permissions.can_see_summary(request.user, visit))
    result = selectors.consolidate(visit, named=visit.show_reviewer_names)
    return render(
        request,
        "inspections/summary.html",
        {"visit": visit, "alliance": visit.alliance_year.alliance, "result": result},
    )


@visit_page
def visit_summary_pdf(request, visit):
    require(permissions.can_see_summary(request.user, visit))
    if visit.summary_pdf:
        return FileResponse(
            visit.summary_pdf.open("rb"),
            content_type="application/pdf",
            filename=f"site-visit-summary-{visit.pk}.pdf",
        )
    return pdf_response(pdf.render_summary(visit), f"site-visit-summary-{visit.pk}.pdf")
