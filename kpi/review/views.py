"""The office's review pages: the overview of a filing period (with its exports, the bulk
issue and the zip of audit records), the review screen of one filing with its actions, and
an audit record's PDF. The department viewer reads all of it and changes nothing; the
alliance's people reach only their own audit records' PDFs."""

import datetime as dt
import functools
import tempfile
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import is_office, office_view, require
from alliances.models import Field, ProgrammeYear
from alliances.permissions import is_programme_reader
from core import roc, writers
from core.forms import error_sentence
from core.http import xlsx_response
from kpi.filings import calendar
from kpi.filings import selectors as filing_selectors
from kpi.filings.models import Filing, FilingKind, FilingState, SnapshotRecord
from kpi.filings.services import FilingError, filing_accept, filing_return, filing_review_start
from kpi.ledger import catalog
from kpi.review import selectors as review_selectors
from kpi.review import services as review
from kpi.review.forms import (
    AcceptForm,
    AssessmentForm,
    BulkIssueForm,
    IssueForm,
    MarkForm,
    NoteForm,
    ReopenForm,
    ReturnForm,
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


# --- overview -------------------------------------------------------------------------


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
                initial={"correction_due": calendar.correction_default(period, programme_year)}
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


# --- one filing -----------------------------------------------------------------------


def _reader(request, pk, year, filing):
    alliance, ay, filing = filing_selectors.filing_for(request.user, pk, year, filing)
    require(is_programme_reader(request.user))
    return alliance, ay, filing


def _review_context(request, alliance, ay, filing, **extra):
    versions = list(filing.versions.select_related("submitted_by")) if filing.pk else []
    version = versions[-1] if versions else None
    previous = versions[-2] if len(versions) > 1 else None
    records_issued = (
        list(filing.audit_records.select_related("issued_by", "version").order_by("serial"))
        if filing.pk
        else []
    )
    for r in records_issued:  # a filing has a few records at most
        r.deliveries = list(review_selectors.deliveries(r))
    previous_record = next(
        (r for r in reversed(records_issued) if version and r.version_id != version.pk), None
    )
    under_review = filing.state == FilingState.UNDER_REVIEW
    office = is_office(request.user)
    item_code = request.GET.get("item", "")
    drill = None
    if version and item_code in catalog.BY_CODE:
        drill = {
            "item": catalog.BY_CODE[item_code],
            "records": list(review_selectors.records_for_item(version, item_code)[:500]),
        }
    rows = (
        review_selectors.review_rows(
            version, previous, review_selectors.flagged_codes(previous_record)
        )
        if version
        else []
    )
    year = ay.programme_year
    context = {
        "alliance": alliance,
        "ay": ay,
        "filing": filing,
        "deadline": calendar.deadline(filing, year),
        "version": version,
        "previous": previous,
        "previous_record": previous_record,
        "rows": rows,
        "unmarked": [r for r in rows if r["mark"] is None],
        "flagged": [r for r in rows if r["mark"] and r["mark"].verdict == "flagged"],
        "flagged_records": list(review_selectors.flagged_records(version)) if version else [],
        "changes": filing_selectors.record_changes(version, previous) if previous else None,
        "drill": drill,
        "records": records_issued,
        "history": filing.transitions.select_related("by") if filing.pk else [],
        "can_act": office,
        "can_start": office and filing.state in (FilingState.SUBMITTED, FilingState.RESUBMITTED),
        "can_mark": office and under_review,
        "is_kpi": filing.kind != FilingKind.EXPECTED,
        "rules": review.RULES,
        "verdicts": MarkForm.base_fields["verdict"].choices,
        "issue_form": IssueForm(
            initial={"correction_due": calendar.correction_default(filing.kind, year)}
        ),
        "return_form": ReturnForm(
            prefix="return",
            initial={"correction_due": calendar.correction_default(filing.kind, year)},
        ),
        "accept_form": AcceptForm(prefix="accept"),
        "reopen_form": ReopenForm(),
        "note_form": NoteForm(),
        "assessment": getattr(ay, "assessment", None) if filing.kind == FilingKind.SECOND else None,
        "assessment_form": None,
    }
    if filing.kind == FilingKind.SECOND and version is not None:
        current = context["assessment"]
        context["assessment_form"] = AssessmentForm(
            initial={
                "outcome": current.outcome,
                "reasons": current.reasons,
                "conditions": current.conditions,
            }
            if current
            else None
        )
    context.update(extra)
    return context


@login_required
def filing_review(request, pk, year, filing):
    alliance, ay, filing = _reader(request, pk, year, filing)
    if not filing.pk or not filing.versions.exists():
        messages.info(request, _("Nothing of this filing has been submitted yet."))
    return render(request, "kpi/review/review.html", _review_context(request, alliance, ay, filing))


def office_action(view):
    """An office action on one filing: 404 for anyone else (the department viewer too),
    405 for the office's GET; the view gets (alliance, alliance-year, filing)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, pk, year, filing):
        alliance, ay, filing = _reader(request, pk, year, filing)
        require(is_office(request.user))
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, alliance, ay, filing)

    return wrapper


def _refused(request, alliance, ay, filing, message, **forms):
    messages.error(request, message)
    return render(
        request,
        "kpi/review/review.html",
        _review_context(request, alliance, ay, filing, **forms),
        status=400,
    )


def _back(filing, anchor=""):
    ay = filing.alliance_year
    url = reverse(
        "filing_review",
        kwargs={"pk": ay.alliance_id, "year": ay.programme_year.roc_year, "filing": filing.kind},
    )
    return redirect(url + anchor)


@office_action
def review_start(request, alliance, ay, filing):
    try:
        filing_review_start(filing=filing, by=request.user)
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error))
    messages.success(request, _("The review has started: mark each item."))
    return _back(filing)


@office_action
def review_mark(request, alliance, ay, filing):
    form = MarkForm(request.POST)
    if not form.is_valid():
        return _refused(request, alliance, ay, filing, error_sentence(form))
    version = filing_selectors.latest_version(filing)
    if version is None:
        raise Http404
    if form.cleaned_data["version"] != version.number:
        return _refused(
            request,
            alliance,
            ay,
            filing,
            _(
                "Your page showed version %(seen)s; version %(now)s was submitted since. "
                "Nothing was saved: mark the new version."
            )
            % {"seen": form.cleaned_data["version"], "now": version.number},
        )
    record = None
    if form.cleaned_data.get("record"):
        record = SnapshotRecord.objects.filter(
            version=version, pk=form.cleaned_data["record"]
        ).first()
        if record is None:
            raise Http404
    data = form.cleaned_data
    try:
        mark = review.mark_save(
            version=version,
            by=request.user,
            verdict=data["verdict"],
            code="" if record else data.get("code", ""),
            record=record,
            reason=data.get("reason", ""),
            rule=data.get("rule", ""),
            note=data.get("note", ""),
            expected_revision=data["revision"],
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error))
    subject = mark.code or f"{record.label}"
    messages.success(
        request,
        _("%(subject)s: %(verdict)s.")
        % {"subject": subject, "verdict": mark.get_verdict_display()},
    )
    anchor = f"#item-{mark.code}" if mark.code else f"#record-{record.pk}"
    if record is not None and request.POST.get("item") in catalog.BY_CODE:
        return redirect(
            reverse(
                "filing_review",
                kwargs={
                    "pk": alliance.pk,
                    "year": ay.programme_year.roc_year,
                    "filing": filing.kind,
                },
            )
            + f"?item={request.POST['item']}{anchor}"
        )
    return _back(filing, anchor)


@office_action
def review_accept_rest(request, alliance, ay, filing):
    version = filing_selectors.latest_version(filing)
    if version is None:
        raise Http404
    try:
        n = review.accept_unmarked(version=version, by=request.user)
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error))
    messages.success(request, _("%(n)s items without a mark were accepted.") % {"n": n})
    return _back(filing)


@office_action
def review_issue(request, alliance, ay, filing):
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, alliance, ay, filing, _("Check the correction deadline."), issue_form=form
        )
    try:
        record = review.audit_record_issue(
            filing=filing, by=request.user, correction_due=form.cleaned_data["correction_due"]
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error), issue_form=form)
    if record.has_findings:
        messages.success(
            request,
            _(
                "Audit record %(number)s is issued and emailed; the filing is returned "
                "until %(date)s."
            )
            % {"number": record.number, "date": roc.format_roc_date(record.correction_due)},
        )
    else:
        messages.success(
            request,
            _(
                "Audit record %(number)s (no findings) is issued and emailed; "
                "the filing is accepted."
            )
            % {"number": record.number},
        )
    return _back(filing)


@office_action
def review_return(request, alliance, ay, filing):
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return _refused(
            request,
            alliance,
            ay,
            filing,
            _("Say what the alliance must correct."),
            return_form=form,
        )
    try:
        filing_return(
            filing=filing,
            by=request.user,
            comment=form.cleaned_data["comment"],
            correction_due=form.cleaned_data["correction_due"],
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error), return_form=form)
    messages.success(request, _("The expected outcomes are returned for revision."))
    return _back(filing)


@office_action
def review_accept(request, alliance, ay, filing):
    form = AcceptForm(request.POST, prefix="accept")
    form.is_valid()
    try:
        filing_accept(filing=filing, by=request.user, comment=form.cleaned_data.get("comment", ""))
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error))
    messages.success(request, _("The expected outcomes are accepted: they are the year's targets."))
    return _back(filing)


@office_action
def review_reopen(request, alliance, ay, filing):
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _refused(request, alliance, ay, filing, error_sentence(form), reopen_form=form)
    try:
        review.filing_reopen(
            filing=filing,
            by=request.user,
            reason=form.cleaned_data["reason"],
            correction_due=form.cleaned_data["correction_due"],
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error), reopen_form=form)
    messages.success(request, _("The filing is reopened and returned to the alliance."))
    return _back(filing)


@office_action
def review_note(request, alliance, ay, filing):
    if not filing.pk:
        raise Http404
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, alliance, ay, filing, _("Write the note first."), note_form=form)
    try:
        review.filing_note(
            filing=filing,
            by=request.user,
            text=form.cleaned_data["text"],
            internal=form.cleaned_data["internal"],
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error), note_form=form)
    messages.success(request, _("The note is in the routing history."))
    return _back(filing, "#history-heading")


@office_action
def review_assessment(request, alliance, ay, filing):
    if filing.kind != FilingKind.SECOND:
        raise Http404
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        return _refused(request, alliance, ay, filing, error_sentence(form), assessment_form=form)
    try:
        review.assessment_save(
            alliance_year=ay,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            reasons=form.cleaned_data["reasons"],
            conditions=form.cleaned_data["conditions"],
        )
    except FilingError as error:
        return _refused(request, alliance, ay, filing, str(error), assessment_form=form)
    messages.success(request, _("The annual assessment is recorded; the PI is told."))
    return _back(filing, "#assessment-heading")


@login_required
def audit_record_pdf(request, pk, year, filing, aid):
    alliance, ay, filing = filing_selectors.filing_for(request.user, pk, year, filing)
    if not filing.pk:
        raise Http404
    record = get_object_or_404(AuditRecord, pk=aid, filing=filing)
    response = HttpResponse(record.pdf_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-record-{record.number}.pdf"'
    return response
