"""The office's visit pages: the list, scheduling, changing and cancelling a visit."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view
from alliances.models import Field, ProgrammeYear
from alliances.views.years import year_from_query
from inspections import permissions, selectors, services
from inspections.forms import (
    ReasonForm,
    VisitForm,
)
from inspections.models import (
    SiteVisit,
    VisitStatus,
)
from inspections.services import VisitError


@office_view(viewers=True)
def office_visits(request):
    year = year_from_query(request)
    if year is None:
        messages.info(request, _("There is no programme year yet; add one first."))
        return redirect("office_programme_years")
    fields = list(Field.objects.order_by("order"))
    field_code = request.GET.get("field", "")
    if field_code and field_code not in {f.code for f in fields}:
        field_code = ""
        messages.warning(request, _("There is no such field; all fields are shown."))
    status = request.GET.get("status", "")
    if status and status not in VisitStatus.values:
        status = ""
        messages.warning(request, _("There is no such status; every visit is shown."))
    visits = list(
        selectors.office_visits(roc_year=year.roc_year, field_code=field_code, status=status)
    )
    return render(
        request,
        "inspections/office_visits.html",
        {
            "year": year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "visits": visits,
            "fields": fields,
            "field_code": field_code,
            "status": status,
            "statuses": VisitStatus.choices,
            "office": permissions.can_manage(request.user),
        },
    )


@office_view
@require_http_methods(["GET", "POST"])
def visit_new(request):
    year = year_from_query(request)
    if year is None:
        messages.info(request, _("There is no programme year yet; add one first."))
        return redirect("office_programme_years")
    initial = {}
    if request.GET.get("alliance", "").isdigit():
        initial["alliance_year"] = (
            year.alliance_years.filter(alliance_id=int(request.GET["alliance"]))
            .values_list("pk", flat=True)
            .first()
        )
    form = VisitForm(
        request.POST if request.method == "POST" else None,
        programme_year=year,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_schedule(
                alliance_year=data["alliance_year"],
                starts_at=data["starts_at"],
                place=data["place"],
                agenda=data["agenda"],
                reviewers=data["reviewers"],
                staff=data["staff"],
                by=request.user,
                override_reason=data["override_reason"],
            )
        except VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The visit is scheduled and the invitations are on their way."),
            )
            return redirect("visit_detail", vid=visit.pk)
    return render(
        request,
        "inspections/visit_form.html",
        {"form": form, "year": year, "visit": None},
        status=400 if form.errors else 200,
    )


def office_visit(request, vid) -> SiteVisit:
    visit = selectors.visit_for_page(vid)
    if visit is None:
        raise Http404
    return visit


@office_view
@require_http_methods(["GET", "POST"])
def visit_edit(request, vid):
    visit = office_visit(request, vid)
    if not visit.is_open:
        messages.error(
            request,
            _("Only a scheduled visit can be changed; this one is %(status)s.")
            % {"status": visit.get_status_display()},
        )
        return redirect("visit_detail", vid=visit.pk)
    form = VisitForm(request.POST if request.method == "POST" else None, visit=visit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_change(
                visit=visit,
                starts_at=data["starts_at"],
                place=data["place"],
                agenda=data["agenda"],
                reviewers=data["reviewers"],
                staff=data["staff"],
                by=request.user,
                override_reason=data["override_reason"],
            )
        except VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The visit is changed; the people invited are told."))
            return redirect("visit_detail", vid=visit.pk)
    return render(
        request,
        "inspections/visit_form.html",
        {"form": form, "year": visit.alliance_year.programme_year, "visit": visit},
        status=400 if form.errors else 200,
    )


@office_view
@require_http_methods(["GET", "POST"])
def visit_cancel(request, vid):
    visit = office_visit(request, vid)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_cancel(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
        except VisitError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The visit is cancelled; the people invited are told."))
            return redirect("visit_detail", vid=visit.pk)
    return render(
        request,
        "inspections/visit_cancel.html",
        {"form": form, "visit": visit, "alliance": visit.alliance_year.alliance},
        status=400 if form.errors else 200,
    )
