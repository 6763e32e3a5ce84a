"""Report pages: the field report of a year (official or provisional figures), fee bands
over a span of years, self-sufficiency with its flags, the programme targets, and the
drill-down from a figure to the alliances and snapshots behind it. Every page reads a
fixed number of queries whatever the number of alliances."""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import office_view, require
from alliances.models import Field, ProgrammeYear
from core.http import XLSX
from core.money import FEE_BAND_LABELS
from core.sheets import sheets_for
from core.storage import private_storage
from reports import figures, permissions, report_charts, selectors, services
from reports.forms import ExportForm
from reports.models import REPORT_KINDS, Export, ExportKind
from reports.summary import default_first

SOURCE_LABELS = {
    figures.OFFICIAL: gettext_lazy("official (accepted second filings)"),
    figures.SUBMITTED: gettext_lazy("provisional: latest submitted versions"),
    figures.LIVE: gettext_lazy("provisional: the ledger as it is now"),
}


def report_view(view):
    """Reports are for the programme, reviewers, PIs and co-PIs (404 for others); a year
    that does not exist sends the reader to the reports with a message saying so."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        require(permissions.can_see_reports(request.user))
        try:
            return view(request, *args, **kwargs)
        except UnknownYear as unknown:
            messages.error(
                request,
                _("There is no programme year %(years)s.") % {"years": unknown.args[0]},
            )
            return redirect("reports_home")

    return wrapper


class UnknownYear(Exception):
    pass


def _year(year: int) -> ProgrammeYear:
    programme_year = ProgrammeYear.objects.filter(roc_year=year).first()
    if programme_year is None:
        raise UnknownYear(year)
    return programme_year


def _named(request):
    return permissions.named_alliances(request.user)


@report_view
def reports_home(request):
    year = selectors.latest_official_year()
    if year is None:
        latest = ProgrammeYear.objects.order_by("-roc_year").first()
        if latest is None:
            raise Http404
        year = latest.roc_year
    return redirect("report_fields", year=year)


def _exports(request, year: int, first: int | None = None) -> dict:
    """The download panel of a report page: what this user may export, for which span."""
    kinds = [
        (kind, label)
        for kind, label in ExportKind.choices
        if kind in REPORT_KINDS and permissions.can_export(request.user, kind)
    ]
    if kinds and first is None:  # the default span: five years, as far back as there are
        earliest = (
            ProgrammeYear.objects.filter(roc_year__lte=year)
            .order_by("roc_year")
            .values_list("roc_year", flat=True)
            .first()
        )
        first = max(default_first(year), earliest or year)
    return {
        "export_kinds": kinds,
        "export_year": year,
        "export_first": first,
        "export_retention": settings.EXPORT_RETENTION_HOURS,
        "exports_url": reverse("report_exports"),
    }


def _years_list():
    return list(ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True))


@report_view
def report_fields(request, year):
    programme_year = _year(year)
    source = request.GET.get("source", figures.OFFICIAL)
    if source not in figures.SOURCES:
        messages.warning(
            request, _("There is no such source of figures; the official ones are shown.")
        )
        source = figures.OFFICIAL
    named = _named(request)
    if source == figures.OFFICIAL:  # added up in the database, in one statement
        rows = selectors.official_field_report(year)
        own = figures.official(year, alliance_ids=named) if named else []
    else:
        data = figures.of_year(year, source)
        rows = selectors.field_report(data, year)
        own = [f for f in data if named is not None and f.ay.alliance_id in named]
    empty = not rows[-1].alliances
    return render(
        request,
        "reports/fields.html",
        {
            "programme_year": programme_year,
            "years": _years_list(),
            "rows": rows,
            "source": source,
            "source_label": SOURCE_LABELS[source],
            "sources": SOURCE_LABELS.items(),
            "provisional": source != figures.OFFICIAL,
            "empty": empty,
            "own": own,
            "section": "fields",
            "charts": []
            if empty
            else [
                report_charts.members_chart(rows, year),
                report_charts.revenue_chart(rows, year),
            ],
            **_exports(request, year),
        },
    )


@report_view
def report_field_alliances(request, year, field):
    """Drill-down: the alliances behind a field's figures (the ones this user may see)."""
    programme_year = _year(year)
    field_obj = get_object_or_404(Field, code=field)
    source = request.GET.get("source", figures.OFFICIAL)
    if source not in figures.SOURCES:
        source = figures.OFFICIAL
    data = [f for f in figures.of_year(year, source) if f.ay.alliance.field_id == field_obj.pk]
    shown, hidden = selectors.visible(data, _named(request), lambda f: f.ay.alliance_id)
    return render(
        request,
        "reports/alliances.html",
        {
            "programme_year": programme_year,
            "field": field_obj,
            "rows": shown,
            "hidden": hidden,
            "total": len(data),
            "source": source,
            "source_label": SOURCE_LABELS[source],
            "provisional": source != figures.OFFICIAL,
            "section": "fields",
        },
    )


def _span(request):
    """(first, last) of the fee-band span from ?from=&to=, or an error message."""
    return selectors.fee_band_span(request.GET.get("from"), request.GET.get("to"))


@report_view
def report_fee_bands(request):
    span, problem = _span(request)
    context = {"labels": FEE_BAND_LABELS, "section": "fee_bands", "years": _years_list()}
    if span:
        context["programme_year"] = ProgrammeYear.objects.filter(roc_year=span[1]).first()
    if problem:
        messages.error(request, problem)
        return render(request, "reports/fee_bands.html", context, status=400)
    first, last = span
    data = figures.official_span(first, last, figures.FEE_CODES)  # columns, not objects
    bands = selectors.fee_bands(data, first, last)
    apart, hidden_apart = selectors.visible(
        bands.without_members, _named(request), lambda f: f.ay.alliance_id
    )
    context.update(
        {
            "bands": bands,
            "first": first,
            "last": last,
            "apart": apart,
            "hidden_apart": hidden_apart,
            "empty": not data,
            "chart": report_charts.fee_band_chart(bands) if data else None,
            **_exports(request, last, first),
        }
    )
    return render(request, "reports/fee_bands.html", context)


@report_view
def report_fee_band_alliances(request):
    """Drill-down from a fee-band cell: the alliance-years in it."""
    span, problem = _span(request)
    band = request.GET.get("band", "")
    field_code = request.GET.get("field", "")
    if problem or (band and band not in FEE_BAND_LABELS):
        raise Http404
    first, last = span
    rows = selectors.band_members(
        figures.official(first, last, codes=figures.FEE_CODES), band, field_code
    )
    shown, hidden = selectors.visible(rows, _named(request), lambda r: r[0].ay.alliance_id)
    return render(
        request,
        "reports/band_alliances.html",
        {
            "rows": shown,
            "hidden": hidden,
            "total": len(rows),
            "band": band,
            "field": Field.objects.filter(code=field_code).first(),
            "first": first,
            "last": last,
            "section": "fee_bands",
        },
    )


@report_view
def report_self_sufficiency(request, year):
    programme_year = _year(year)
    report = selectors.self_sufficiency_report(year)
    data, rows, fields, trend = report.data, report.rows, report.fields, report.trend
    shown, hidden = selectors.visible(rows, _named(request), lambda r: r.fig.ay.alliance_id)
    at_risk = [r for r in shown if any(f.ok is False for f in r.flags)]
    return render(
        request,
        "reports/self_sufficiency.html",
        {
            "programme_year": programme_year,
            "years": _years_list(),
            "rows": shown,
            "hidden": hidden,
            "fields": fields,
            "at_risk": at_risk,
            "trend": trend,
            "chart": report_charts.trend_chart(trend) if data else None,
            "empty": not data,
            "section": "self_sufficiency",
            **_exports(request, year),
        },
    )


@report_view
def report_targets(request, year):
    programme_year = _year(year)
    data = figures.official(year)
    rows = selectors.field_report(data, year)
    total = rows[-1]
    return render(
        request,
        "reports/targets.html",
        {
            "programme_year": programme_year,
            "years": _years_list(),
            "rows": rows,
            "total": total,
            "fee_per_firm": selectors.fee_per_firm(data),
            "empty": not data,
            "section": "targets",
        },
    )


# Exports: queued from a report page, followed on their own page, downloaded by their owner.


@report_view
@require_POST
def export_start(request):
    form = ExportForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(back or "reports_home")
    try:
        export = services.export_start(
            by=request.user,
            kind=form.cleaned_data["kind"],
            year=form.cleaned_data["year"],
            first=form.cleaned_data["first"],
        )
    except services.ExportError as error:
        messages.error(request, str(error))
        return redirect(back or "reports_home")
    return redirect("report_export", xid=export.pk)


def _own_export(request, xid) -> Export:
    """The user's own export, of a kind they may still make (a PI who was office staff
    when they asked no longer gets a workbook that names every alliance)."""
    export = get_object_or_404(Export.objects.select_related("alliance_year__alliance"), pk=xid)
    require(permissions.can_see_export(request.user, export))
    require(permissions.can_export(request.user, export.kind, services.alliance_of(export)))
    return export


@report_view
def export_list(request):
    exports = list(
        Export.objects.filter(owner=request.user).select_related("alliance_year__alliance")[:20]
    )
    return render(
        request,
        "reports/exports.html",
        {
            "exports": exports,
            "working": any(e.working for e in exports),
            "retention": settings.EXPORT_RETENTION_HOURS,
            "section": "exports",
        },
    )


@report_view
def export_detail(request, xid):
    export = _own_export(request, xid)
    return render(
        request,
        "reports/export.html",
        {"export": export, "retention": settings.EXPORT_RETENTION_HOURS, "section": "exports"},
    )


@report_view
def export_download(request, xid):
    export = _own_export(request, xid)
    if not export.downloadable:
        raise Http404
    storage = private_storage()
    try:
        handle = storage.open(export.path, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = {"xlsx": XLSX, "pdf": "application/pdf", "zip": "application/zip"}[
        services.EXTENSIONS[export.kind]
    ]
    response = FileResponse(
        handle, as_attachment=True, filename=export.filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@office_view(viewers=True)
def registry_export(request):
    """The whole registry as one workbook laid out for import (docs/import-format.md),
    made in the background like the reports' exports."""
    recent = Export.objects.filter(owner=request.user, kind=ExportKind.REGISTRY_XLSX)[:5]
    return render(
        request,
        "reports/registry_export.html",
        {
            "recent": recent,
            "retention": settings.EXPORT_RETENTION_HOURS,
            "sheets": [sheet.name for sheet in sheets_for("office")],
        },
    )
