"""The outstanding alliance of each field: chosen, published, exported."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import office_view
from alliances.models import ProgrammeYear
from core.forms import error_sentence
from inspections import permissions, selectors, services
from inspections.forms import (
    AwardForm,
)
from inspections.models import (
    SiteVisit,
)
from inspections.services import VisitError


@office_view(viewers=True)
def office_awards(request, year=None):
    if year is None:
        latest = ProgrammeYear.objects.order_by("-roc_year").first()
        if latest is None:
            messages.info(request, _("There is no programme year yet; add one first."))
            return redirect("office_programme_years")
        return redirect("office_awards_year", year=latest.roc_year)
    programme_year = get_object_or_404(ProgrammeYear, roc_year=year)
    by_field = selectors.candidates(year)
    return render(
        request,
        "inspections/awards.html",
        {
            "year": programme_year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "by_field": by_field,
            "without": [
                str(f)
                for f, entry in by_field.items()
                if not entry["candidates"] and not entry["award"]
            ],
            "office": permissions.can_manage(request.user),
            "replacing": [str(f) for f, entry in by_field.items() if entry["published"]],
            "unpublished": any(
                entry["award"] and not entry["award"].published_at for entry in by_field.values()
            ),
        },
    )


@office_view
@require_POST
def award_select(request, year):
    programme_year = get_object_or_404(ProgrammeYear, roc_year=year)
    form = AwardForm(request.POST)
    if not form.is_valid() and "visit" not in form.errors:
        messages.error(request, _("Check the form: %(errors)s") % {"errors": error_sentence(form)})
        return redirect("office_awards_year", year=year)
    visit = None
    if form.is_valid():
        visit = SiteVisit.objects.filter(
            pk=form.cleaned_data["visit"], alliance_year__programme_year=programme_year
        ).first()
    if visit is None:
        messages.error(request, _("Choose one of the year's candidates."))
        return redirect("office_awards_year", year=year)
    try:
        award = services.award_select(
            visit=visit,
            by=request.user,
            note=form.cleaned_data["note"],
            confirmed=form.cleaned_data["confirm"],
        )
    except services.AwardNeedsConfirmation as question:
        return render(
            request,
            "inspections/award_confirm.html",
            {
                "year": programme_year,
                "visit": visit,
                "alliance": visit.alliance_year.alliance,
                "note": form.cleaned_data["note"],
                "published_alliance": question.published.visit.alliance_year.alliance,
                "reason": str(question),
            },
        )
    except VisitError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(alliance)s is the outstanding alliance of %(field)s; publish when ready.")
            % {"alliance": visit.alliance_year.alliance, "field": award.field},
        )
    return redirect(
        reverse("office_awards_year", kwargs={"year": year})
        + f"#field-{visit.alliance_year.alliance.field.code}"
    )


@office_view
@require_POST
def awards_publish(request, year):
    programme_year = get_object_or_404(ProgrammeYear, roc_year=year)
    try:
        n = services.awards_publish(programme_year=programme_year, by=request.user)
    except VisitError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(n)s outstanding alliances are published on the directory.") % {"n": n}
        )
    return redirect("office_awards_year", year=year)


@office_view(viewers=True)
def awards_export(request, year):
    from core.http import xlsx_response
    from inspections.exports import awards_workbook

    get_object_or_404(ProgrammeYear, roc_year=year)
    return xlsx_response(awards_workbook(year), f"outstanding-alliances-{year}.xlsx")
