"""The review screen of one filing, and an audit record's PDF."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.permissions import is_office, require
from alliances.permissions import is_programme_reader
from assurance import selectors as cross_selectors
from kpi.filings import calendar
from kpi.filings import selectors as filing_selectors
from kpi.filings import status as filing_status
from kpi.filings.models import FilingKind, FilingState
from kpi.ledger import catalog
from kpi.review import selectors as review_selectors
from kpi.review import services as review
from kpi.review.forms import (
    AcceptForm,
    AssessmentForm,
    IssueForm,
    MarkForm,
    NoteForm,
    ReopenForm,
    ReturnForm,
)
from kpi.review.models import AuditRecord


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
    answer_rows = []
    if previous_record is not None and previous_record.findings:
        # The resubmission's answers, beside the findings they answer.
        answers = review_selectors.answered(version)
        answer_rows = review_selectors.with_links(
            review_selectors.finding_rows(previous_record.findings),
            alliance.pk,
            ay.programme_year.roc_year,
        )
        for row in answer_rows:
            row["answer"] = answers.get(row["key"], "")
        for row in rows:
            row["answer"] = answers.get(f"item:{row['item'].code}", "")
    year = ay.programme_year
    proposal = calendar.correction_proposal(filing.kind, year)  # valid now, and why
    deadline = calendar.deadline(filing, year)
    status = filing_status.of_filing(filing, ay, deadline, submitted_before=bool(versions))
    context = {
        "alliance": alliance,
        "ay": ay,
        "filing": filing,
        "deadline": deadline,
        "status": status,
        "status_label": filing_status.label(status),
        "cross_checks": cross_selectors.for_alliance_year(ay, full=True)
        if filing.kind != FilingKind.EXPECTED
        else [],
        "version": version,
        "previous": previous,
        "previous_record": previous_record,
        "answer_rows": answer_rows,
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
        "issue_form": IssueForm(proposal=proposal),
        "return_form": ReturnForm(prefix="return", proposal=proposal),
        "accept_form": AcceptForm(prefix="accept"),
        "reopen_form": ReopenForm(proposal=proposal),
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


def refused_page(request, alliance, ay, filing, message, **forms):
    messages.error(request, message)
    return render(
        request,
        "kpi/review/review.html",
        _review_context(request, alliance, ay, filing, **forms),
        status=400,
    )


def back_to(filing, anchor=""):
    ay = filing.alliance_year
    url = reverse(
        "filing_review",
        kwargs={"pk": ay.alliance_id, "year": ay.programme_year.roc_year, "filing": filing.kind},
    )
    return redirect(url + anchor)


@login_required
def audit_record_pdf(request, pk, year, filing, aid):
    alliance, ay, filing = filing_selectors.filing_for(request.user, pk, year, filing)
    if not filing.pk:
        raise Http404
    record = get_object_or_404(AuditRecord, pk=aid, filing=filing)
    response = HttpResponse(record.pdf_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-record-{record.number}.pdf"'
    return response
