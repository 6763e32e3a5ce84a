"""The office's alliance-years: phase, subsidy and the R8 weight of each year."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view
from alliances import services
from alliances.models import Alliance, AllianceYear, ProgrammeYear
from core.forms import RocDateField


class AllianceYearForm(forms.ModelForm):
    collaboration_weight = forms.IntegerField(
        label=gettext_lazy("Collaboration weight (%)"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=gettext_lazy("Leave empty for the year's default of the phase (R8)."),
    )

    class Meta:
        model = AllianceYear
        fields = ["programme_year", "phase", "phase_year", "subsidy", "collaboration_weight"]

    def clean(self):
        data = super().clean()
        year, phase = data.get("programme_year"), data.get("phase")
        clash = AllianceYear.objects.filter(alliance=self.instance.alliance, programme_year=year)
        if year and clash.exclude(pk=self.instance.pk).exists():
            self.add_error(
                "programme_year",
                gettext_lazy("The alliance has this programme year already; edit that one."),
            )
        if data.get("collaboration_weight") is None and year and phase:
            data["collaboration_weight"] = year.weight_for_phase(int(phase))
            self.instance.collaboration_weight = data["collaboration_weight"]
        return data


@office_view(viewers=True)
def office_alliance_years(request, pk):
    alliance = get_object_or_404(Alliance.objects.select_related("field"), pk=pk)
    years = alliance.years.select_related("programme_year").order_by("-programme_year__roc_year")
    return render(request, "office/alliance_years.html", {"alliance": alliance, "years": years})


@office_view
@require_http_methods(["GET", "POST"])
def office_alliance_year_edit(request, pk, year=None):
    alliance = get_object_or_404(Alliance, pk=pk)
    instance = (
        get_object_or_404(AllianceYear, alliance=alliance, programme_year__roc_year=year)
        if year
        else AllianceYear(alliance=alliance)
    )
    form = AllianceYearForm(request.POST if request.method == "POST" else None, instance=instance)
    form.fields["programme_year"].queryset = ProgrammeYear.objects.order_by("-roc_year")
    if request.method == "POST" and form.is_valid():
        try:
            services.alliance_year_save(alliance_year=form.instance, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The alliance-year is saved."))
            return redirect("office_alliance_years", pk=alliance.pk)
    return render(
        request,
        "office/alliance_year_form.html",
        {"alliance": alliance, "form": form, "year": year},
    )


DATE_FIELDS = [
    name
    for name in services.PROGRAMME_YEAR_FIELDS
    if isinstance(ProgrammeYear._meta.get_field(name), models.DateField)
]


class ProgrammeYearForm(forms.ModelForm):
    """The calendar and settings of a programme year. Dates in ROC or Western form; a
    deadline is the end of its day, 23:59 Taiwan time."""

    class Meta:
        model = ProgrammeYear
        fields = ["roc_year", *services.PROGRAMME_YEAR_FIELDS]
        field_classes = dict.fromkeys(DATE_FIELDS, RocDateField)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roc_year"].disabled = True


@office_view(viewers=True)
def office_programme_years(request):
    years = ProgrammeYear.objects.order_by("-roc_year")
    return render(request, "office/programme_years.html", {"years": years})


@office_view
@require_http_methods(["GET", "POST"])
def office_programme_year_edit(request, year=None):
    """Open a year (its calendar pre-filled from domain.md §4) or change one."""
    instance = get_object_or_404(ProgrammeYear, roc_year=year) if year else ProgrammeYear()
    initial = None
    if year is None:
        latest = ProgrammeYear.objects.order_by("-roc_year").first()
        upcoming = (latest.roc_year + 1) if latest else 107
        initial = {"roc_year": upcoming, **ProgrammeYear.calendar_defaults(upcoming)}
    form = ProgrammeYearForm(
        request.POST if request.method == "POST" else None, instance=instance, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_year_save(year=form.instance, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Programme year %(year)s is saved.") % {"year": form.instance.roc_year},
            )
            return redirect("office_programme_years")
    return render(
        request,
        "office/programme_year_form.html",
        {"form": form, "year": year},
        status=400 if form.errors else 200,
    )


def year_from_query(request) -> ProgrammeYear | None:
    """The programme year of `?year=` (a warning when there is no such year), else the
    latest; None when there is no programme year at all. For pages of one year."""
    years = ProgrammeYear.objects.order_by("-roc_year")
    raw = request.GET.get("year", "")
    if raw.isdigit():
        found = years.filter(roc_year=int(raw)).first()
        if found:
            return found
        messages.warning(request, _("There is no programme year %(year)s.") % {"year": raw})
    return years.first()
