"""Audit records (查核記錄): their findings, issued and sent; a filing reopened."""

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import ProgrammeYear
from alliances.selectors import team_recipients
from core import lists, roc
from core.mail import send_templated_email
from kpi.filings import calendar
from kpi.filings.models import (
    Filing,
    FilingState,
    FilingVersion,
)
from kpi.filings.services import (
    FilingError,
    accept_version,
    audit_filing,
    filing_url,
    move_filing,
    portal_url,
    tell_team,
)
from kpi.ledger import catalog
from kpi.review import pdf as audit_pdf
from kpi.review.models import (
    AuditRecord,
    MarkVerdict,
    ReviewMark,
)
from kpi.review.services.base import (
    KPI_KINDS,
    clean_text,
    last_version,
    office_filing,
    unmarked_items,
)


def findings_of(version: FilingVersion) -> list[dict]:
    """The flags of the version as the audit record freezes them: items in catalog order,
    then records; each with its reason and rule. Labels are looked up when shown."""
    marks = list(
        ReviewMark.objects.filter(version=version, verdict=MarkVerdict.FLAGGED).select_related(
            "record"
        )
    )
    items = {i.code: i for i in version.items.all()}
    order = {item.code: n for n, item in enumerate(catalog.ITEMS)}
    result = []
    for mark in sorted((m for m in marks if m.code), key=lambda m: order.get(m.code, 99)):
        snap = items.get(mark.code)
        result.append(
            {
                "type": "item",
                "code": mark.code,
                "entered": getattr(snap, "entered", None),
                "counted": getattr(snap, "counted", None),
                "target": getattr(snap, "target", None),
                "rule": mark.rule,
                "reason": mark.reason,
            }
        )
    records = [m for m in marks if m.record_id]
    records.sort(key=lambda m: (m.record.source, m.record.kind, str(m.record.date), m.record_id))
    for mark in records:
        r = mark.record
        result.append(
            {
                "type": "record",
                "source": r.source,
                "record_id": r.record_id,
                "kind": r.kind,
                "kind_label": r.kind_label,
                "label": r.label,
                "date": r.date.isoformat() if r.date else None,
                "amount": r.amount,
                "counted_amount": r.counted_amount,
                "counted": r.counted,
                "rule": mark.rule,
                "reason": mark.reason,
            }
        )
    return result


def _next_serial(programme_year: ProgrammeYear, period: str) -> int:
    # The programme year's row is the counter's lock: issues of one year take numbers one
    # after the other, so two never share one.
    ProgrammeYear.objects.select_for_update().get(pk=programme_year.pk)
    last = AuditRecord.objects.filter(roc_year=programme_year.roc_year, period=period).aggregate(
        n=Max("serial")
    )["n"]
    return (last or 0) + 1


def audit_record_issue(*, filing: Filing, by, correction_due: dt.date | None = None) -> AuditRecord:
    """Issue the numbered audit record of the version under review: the PDF is rendered,
    stored and emailed to the team. With flags the filing is returned until
    `correction_due` (default: the calendar's); with none it says "no findings" and the
    filing is accepted. If anything fails, nothing is kept: no row, no file, no mail."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _issue(filing, by, correction_due, stored)
    except BaseException:
        storage = AuditRecord._meta.get_field("pdf").storage
        for name in stored:
            storage.delete(name)
        raise


def _issue(filing: Filing, by, correction_due, stored: list) -> AuditRecord:
    filing = office_filing(filing, by)
    if filing.kind not in KPI_KINDS:
        raise FilingError(
            _("Expected outcomes get no numbered audit record: return them or accept them.")
        )
    version = last_version(filing)
    if filing.state != FilingState.UNDER_REVIEW:
        existing = AuditRecord.objects.filter(version=version).first() if version else None
        if existing is not None:
            raise FilingError(
                _("Audit record %(number)s was already issued for this version.")
                % {"number": existing.number}
            )
        raise FilingError(
            _("Only a filing under review gets an audit record; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    missing = unmarked_items(version)
    if missing:
        raise FilingError(
            _("Mark every item first; not marked yet: %(items)s.")
            % {"items": lists.join(f"{i.code} {i.label}" for i in missing[:8])}
            + ("…" if len(missing) > 8 else "")
        )
    year = filing.alliance_year.programme_year
    findings = findings_of(version)
    due = None
    if findings:
        due = correction_due or calendar.correction_proposal(filing.kind, year).due
        if due < roc.today():
            raise FilingError(
                _("The correction deadline (%(date)s) is in the past; choose a later day.")
                % {"date": roc.format_roc_date(due)}
            )
    record = AuditRecord(
        filing=filing,
        version=version,
        roc_year=year.roc_year,
        period=filing.kind,
        serial=_next_serial(year, filing.kind),
        findings=findings,
        correction_due=due,
        issued_by=by,
        issued_at=timezone.now(),
    )
    pdf = audit_pdf.render(record)
    record.sha256 = hashlib.sha256(pdf).hexdigest()
    record.pdf.save("record.pdf", ContentFile(pdf), save=False)
    stored.append(record.pdf.name)
    record.save()
    before = filing.state
    if findings:
        filing.correction_due = due
        comment = _("Audit record %(number)s: %(n)s findings; corrections due %(date)s.") % {
            "number": record.number,
            "n": len(findings),
            "date": roc.format_roc_date(due),
        }
        move_filing(filing, FilingState.RETURNED, by=by, comment=comment, version=version.number)
    else:
        comment = _("Audit record %(number)s: no findings.") % {"number": record.number}
        accept_version(filing, by=by, comment=comment, number=version.number)
    audit_filing(
        filing,
        "audit_record.issued",
        by,
        {"state": before},
        {
            "state": filing.state,
            "number": record.number,
            "findings": len(findings),
            "correction_due": due.isoformat() if due else None,
        },
    )
    _send_record(record, filing)
    return record


def _send_record(record: AuditRecord, filing: Filing) -> None:
    ay = filing.alliance_year
    attachment = {
        "path": record.pdf.name,
        "filename": f"audit-record-{record.number}.pdf",
        "mimetype": "application/pdf",
    }
    due = calendar.correction_deadline(filing)  # the one correction deadline, as pages show it
    for person in team_recipients(ay.alliance_id, assistants=True):
        send_templated_email(
            to=[person.email],
            template="audit_record_issued",
            context={
                "record": record,
                "filing": filing,
                "alliance": ay.alliance,
                "year": ay.programme_year.roc_year,
                "url": portal_url(filing_url(filing)),
                "due": due,
            },
            language=person.preferred_language,
            dedupe_key=f"auditrecord:{record.pk}:{person.pk}",
            attachments=[attachment],
        )


@transaction.atomic
def filing_reopen(*, filing: Filing, by, reason: str, correction_due: dt.date) -> Filing:
    """Reopen an accepted filing for correction (office only, with a reason, audited)."""
    filing = office_filing(filing, by)
    if filing.state != FilingState.ACCEPTED:
        raise FilingError(
            _("Only an accepted filing can be reopened; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    reason = clean_text(reason, what=_("The reason"))
    if not reason:
        raise FilingError(_("Say why the accepted filing is reopened."))
    if correction_due is None or correction_due < roc.today():
        raise FilingError(_("Give the alliance a correction deadline of today or later."))
    filing.correction_due = correction_due
    move_filing(
        filing,
        FilingState.RETURNED,
        by=by,
        comment=reason,
        version=getattr(last_version(filing), "number", None),
    )
    audit_filing(
        filing,
        "filing.reopened",
        by,
        {"state": FilingState.ACCEPTED},
        {"state": filing.state, "correction_due": correction_due.isoformat()},
        reason=reason,
    )
    tell_team(
        filing, "filing_returned", {"comment": reason, "due": correction_due}, assistants=True
    )
    return filing
