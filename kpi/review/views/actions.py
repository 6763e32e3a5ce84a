"""The office's actions on one filing under review, each a POST answered by the review screen."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core import roc
from core.forms import error_sentence
from kpi.filings import selectors as filing_selectors
from kpi.filings.models import FilingKind, SnapshotRecord
from kpi.filings.services import FilingError, filing_accept, filing_return, filing_review_start
from kpi.ledger import catalog
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
from kpi.review.views.filing import back_to, office_action, refused_page


@office_action
def review_start(request, alliance, ay, filing):
    try:
        filing_review_start(filing=filing, by=request.user)
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error))
    messages.success(request, _("The review has started: mark each item."))
    return back_to(filing)


@office_action
def review_mark(request, alliance, ay, filing):
    form = MarkForm(request.POST)
    if not form.is_valid():
        return refused_page(request, alliance, ay, filing, error_sentence(form))
    version = filing_selectors.latest_version(filing)
    if version is None:
        raise Http404
    if form.cleaned_data["version"] != version.number:
        return refused_page(
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
        return refused_page(request, alliance, ay, filing, str(error))
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
    return back_to(filing, anchor)


@office_action
def review_accept_rest(request, alliance, ay, filing):
    version = filing_selectors.latest_version(filing)
    if version is None:
        raise Http404
    try:
        n = review.accept_unmarked(version=version, by=request.user)
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error))
    messages.success(request, _("%(n)s items without a mark were accepted.") % {"n": n})
    return back_to(filing)


@office_action
def review_issue(request, alliance, ay, filing):
    form = IssueForm(request.POST)
    if not form.is_valid():
        return refused_page(
            request, alliance, ay, filing, _("Check the correction deadline."), issue_form=form
        )
    try:
        record = review.audit_record_issue(
            filing=filing, by=request.user, correction_due=form.cleaned_data["correction_due"]
        )
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error), issue_form=form)
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
    return back_to(filing)


@office_action
def review_return(request, alliance, ay, filing):
    form = ReturnForm(request.POST, prefix="return")
    if not form.is_valid():
        return refused_page(
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
        return refused_page(request, alliance, ay, filing, str(error), return_form=form)
    messages.success(request, _("The expected outcomes are returned for revision."))
    return back_to(filing)


@office_action
def review_accept(request, alliance, ay, filing):
    form = AcceptForm(request.POST, prefix="accept")
    form.is_valid()
    try:
        filing_accept(filing=filing, by=request.user, comment=form.cleaned_data.get("comment", ""))
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error))
    messages.success(request, _("The expected outcomes are accepted: they are the year's targets."))
    return back_to(filing)


@office_action
def review_reopen(request, alliance, ay, filing):
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return refused_page(request, alliance, ay, filing, error_sentence(form), reopen_form=form)
    try:
        review.filing_reopen(
            filing=filing,
            by=request.user,
            reason=form.cleaned_data["reason"],
            correction_due=form.cleaned_data["correction_due"],
        )
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error), reopen_form=form)
    messages.success(request, _("The filing is reopened and returned to the alliance."))
    return back_to(filing)


@office_action
def review_note(request, alliance, ay, filing):
    if not filing.pk:
        raise Http404
    form = NoteForm(request.POST)
    if not form.is_valid():
        return refused_page(
            request, alliance, ay, filing, _("Write the note first."), note_form=form
        )
    try:
        review.filing_note(
            filing=filing,
            by=request.user,
            text=form.cleaned_data["text"],
            internal=form.cleaned_data["internal"],
        )
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error), note_form=form)
    messages.success(request, _("The note is in the routing history."))
    return back_to(filing, "#history-heading")


@office_action
def review_assessment(request, alliance, ay, filing):
    if filing.kind != FilingKind.SECOND:
        raise Http404
    form = AssessmentForm(request.POST)
    if not form.is_valid():
        return refused_page(
            request, alliance, ay, filing, error_sentence(form), assessment_form=form
        )
    try:
        review.assessment_save(
            alliance_year=ay,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            reasons=form.cleaned_data["reasons"],
            conditions=form.cleaned_data["conditions"],
        )
    except FilingError as error:
        return refused_page(request, alliance, ay, filing, str(error), assessment_form=form)
    messages.success(request, _("The annual assessment is recorded; the PI is told."))
    return back_to(filing, "#assessment-heading")
