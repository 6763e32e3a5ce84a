"""The overview of a filing period: its list and exports, its audit records, the bulk issue."""

import datetime as dt
import tempfile
import zipfile

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_office, office_view
from alliances.models import Field, ProgrammeYear
from core import roc, writers
from core.forms import error_sentence
from core.http import xlsx_response
from kpi.filings import calendar
from kpi.filings.models import Filing, FilingKind, FilingState
from kpi.filings.services import FilingError
from kpi.review import selectors as review_selectors
from kpi.review import services as review
from kpi.review.forms import (
    BulkIssueForm,
)
from kpi.review.models import AuditRecord, BulkIssue

EXPORT_HEADERS = [
    "code",
    "alliance",
    "field",
    "phase",
    "state",
    "version",
    "submitted_at",
    "due",
    "audit_record",
    "assessment",
]


def _year_or_404(year: int) -> ProgrammeYear:
    return get_object_or_404(ProgrammeYear, roc_year=year)


def _period_or_404(period: str) -> str:
    if period not in FilingKind.values:
        raise Http404
    return period


@office_view(viewers=True)
def review_home(request):
    year = ProgrammeYear.objects.order_by("-roc_year").first()
    if year is None:
        messages.info(request, _("There is no programme year yet; add one first."))
        return redirect("office_programme_years")
    # The latest period with filings waiting for the office; else the calendar's guess.
    waiting = (
        Filing.objects.filter(
            state__in=[FilingState.SUBMITTED, FilingState.UNDER_REVIEW, FilingState.RESUBMITTED]
        )
        .order_by("-alliance_year__programme_year__roc_year", "-kind")  # second > first > exp.
        .values_list("alliance_year__programme_year__roc_year", "kind")
        .first()
    )
    if waiting:
        return redirect("review_overview", year=waiting[0], period=waiting[1])
    today = roc.today()
    period = FilingKind.EXPECTED
    if today > year.expected_outcomes_due + dt.timedelta(days=75):
        period = FilingKind.FIRST
    if today > year.first_kpi_due + dt.timedelta(days=60):
        period = FilingKind.SECOND
    return redirect("review_overview", year=year.roc_year, period=period)


@office_view(viewers=True)
def review_overview(request, year, period):
    programme_year = _year_or_404(year)
    period = _period_or_404(period)
    fields = list(Field.objects.order_by("code"))
    field_code = request.GET.get("field", "")
    if field_code and field_code not in {f.code for f in fields}:
        field_code = ""
        messages.warning(request, _("There is no such field; all fields are shown."))
    phase = request.GET.get("phase", "")
    phase = int(phase) if phase in ("1", "2") else None
    status = request.GET.get("state", "")
    if status and status not in review_selectors.STATUS_LABELS:
        status = ""
        messages.warning(request, _("There is no such state; all states are shown."))
    data = review_selectors.overview(
        year, period, field_code=field_code, phase=phase, status=status
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(data.rows, fmt, year, period)
    return render(
        request,
        "kpi/review/overview.html",
        {
            "programme_year": programme_year,
            "years": ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True),
            "period": period,
            "period_label": FilingKind(period).label,
            "periods": FilingKind.choices,
            "fields": fields,
            "field_code": field_code,
            "phase": phase,
            "status": status,
            "statuses": [
                (s, review_selectors.STATUS_LABELS[s], data.counts[s])
                for s in review_selectors.STATUS_ORDER
            ],
            "total": sum(data.counts.values()),
            "rows": data.rows,
            "is_office": is_office(request.user),
            "bulk_form": BulkIssueForm(
                proposal=calendar.correction_proposal(period, programme_year)
            )
            if period != FilingKind.EXPECTED
            else None,
            "bulks": BulkIssue.objects.filter(roc_year=year, period=period)[:3],
            "records": AuditRecord.objects.filter(roc_year=year, period=period).count(),
            "query": request.GET.urlencode(),
        },
    )


def _export_rows(rows):
    for row in rows:
        yield [
            row.alliance.code,
            row.alliance.name_zh,
            row.alliance.field.code,
            f"{row.ay.phase}-{row.ay.phase_year}",
            row.status_label,
            row.latest.number if row.latest else "",
            roc.format_roc_datetime(row.latest.submitted_at) if row.latest else "",
            roc.format_roc_date(row.due) if row.due else "",
            row.record.number if row.record else "",
            row.assessment.get_outcome_display() if row.assessment else "",
        ]


def _export(rows, fmt, year, period):
    headers = [
        _("Code"),
        _("Alliance"),
        _("Field"),
        _("Phase"),
        _("State"),
        _("Version"),
        _("Submitted"),
        _("Due"),
        _("Audit record"),
        _("Annual assessment"),
    ]
    name = f"review-{year}-{period}"
    if fmt == "csv":
        response = HttpResponse(
            writers.csv_bytes(headers, _export_rows(rows)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    data = writers.sheet_bytes(
        title=str(FilingKind(period).label), headers=headers, rows=_export_rows(rows)
    )
    return xlsx_response(data, f"{name}.xlsx")


@office_view(viewers=True)
def review_records_zip(request, year, period):
    _year_or_404(year)
    period = _period_or_404(period)
    records = list(
        AuditRecord.objects.filter(roc_year=year, period=period)
        .select_related("filing__alliance_year__alliance")
        .order_by("serial")
    )
    if not records:
        messages.info(request, _("No audit record of this period has been issued yet."))
        return redirect("review_overview", year=year, period=period)
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
        for record in records:
            code = (
                record.filing.alliance_year.alliance.code or record.filing.alliance_year.alliance_id
            )
            archive.writestr(f"{record.number}-{code}.pdf", record.pdf_bytes())
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"audit-records-{year}-{period}.zip",
        content_type="application/zip",
    )


@office_view
@require_POST
def review_bulk_start(request, year, period):
    _year_or_404(year)
    period = _period_or_404(period)
    form = BulkIssueForm(request.POST)
    if form.is_valid():
        try:
            bulk = review.bulk_issue_start(
                roc_year=year,
                period=period,
                by=request.user,
                correction_due=form.cleaned_data["correction_due"],
            )
        except FilingError as error:
            messages.error(request, str(error))
        else:
            return redirect("review_bulk", bid=bulk.pk)
    else:
        messages.error(request, error_sentence(form))
    return redirect("review_overview", year=year, period=period)


@office_view(viewers=True)
def review_bulk(request, bid):
    bulk = get_object_or_404(BulkIssue, pk=bid)
    records = AuditRecord.objects.filter(pk__in=bulk.issued).select_related(
        "filing__alliance_year__alliance"
    )
    return render(request, "kpi/review/bulk.html", {"bulk": bulk, "records": records})
