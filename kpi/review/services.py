"""The programme office's review of filings (domain.md §4): marks on items and records,
numbered audit records (查核記錄) with their PDF and email, notes in the routing history,
reopening an accepted filing, the annual assessment and the bulk issue of a period.

    under review ──issue (flags)──→ returned ──resubmit──→ resubmitted → under review …
                 ──issue (none)───→ accepted ──reopen (office, reason)──→ returned

Every function is one transaction that locks the filing row first (kpi.filings.locked_filing),
so two office users acting on one filing at once are served one after the other: the
second sees what the first did. Each writes an audit event in the same transaction.
"""

import datetime as dt
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_office, require
from alliances.models import AllianceYear, ProgrammeYear
from alliances.selectors import team_recipients
from core import audit, roc
from core.mail import send_templated_email
from core.tasks import retrying_task
from kpi.filings import calendar, permissions
from kpi.filings.models import (
    Filing,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    SnapshotRecord,
)
from kpi.filings.services import (
    FilingError,
    accept_version,
    audit_filing,
    filing_url,
    locked_filing,
    move_filing,
    portal_url,
    tell_team,
)
from kpi.ledger import catalog
from kpi.review import pdf as audit_pdf
from kpi.review.models import (
    Assessment,
    AssessmentOutcome,
    AuditRecord,
    BulkIssue,
    MarkVerdict,
    ReviewMark,
)

logger = logging.getLogger(__name__)

# The rules a flag may cite (domain.md §3).
RULES = [
    *(f"M{n}" for n in range(1, 6)),
    *(f"R{n}" for n in range(1, 11)),
    *(f"O{n}" for n in range(1, 5)),
    *(f"S{n}" for n in range(1, 4)),
    "P1",
    "P2",
]
KPI_KINDS = (FilingKind.FIRST, FilingKind.SECOND)
MAX_TEXT = 4000


class StaleMark(FilingError):
    """Another reviewer changed this mark after this one opened the page."""


def _office(filing: Filing, by) -> Filing:
    require(permissions.can_view(by, filing.alliance_year.alliance))
    if not permissions.can_route(by):
        raise FilingError(_("Only the programme office reviews filings."))
    return locked_filing(filing)


def _text(value: str, *, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise FilingError(
            _("%(what)s is too long: at most %(n)s characters.") % {"what": what, "n": MAX_TEXT}
        )
    return value


def _last_version(filing: Filing) -> FilingVersion | None:
    return filing.versions.order_by("-number").first()


def unmarked_items(version: FilingVersion) -> list:
    """Catalog items of the version without a mark yet, in catalog order."""
    marked = set(
        ReviewMark.objects.filter(version=version, record__isnull=True).values_list(
            "code", flat=True
        )
    )
    return [item for item in catalog.ITEMS if item.code not in marked]


# --- marks ----------------------------------------------------------------------------


def _reviewing(version: FilingVersion, by) -> Filing:
    """The version's filing, locked, if the office may mark this version now: the filing
    is under review and this is its latest version."""
    filing = _office(version.filing, by)
    if filing.state != FilingState.UNDER_REVIEW:
        raise FilingError(
            _("Marks can be set only while the filing is under review; it is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    latest = _last_version(filing)
    if latest is None or latest.pk != version.pk:
        raise FilingError(_("Only the latest submitted version is reviewed."))
    return filing


@transaction.atomic
def mark_save(
    *,
    version: FilingVersion,
    by,
    verdict: str,
    code: str = "",
    record: SnapshotRecord | None = None,
    reason: str = "",
    rule: str = "",
    note: str = "",
    expected_revision: int | None = None,
) -> ReviewMark:
    """Accept or flag one item (`code`) or one record of the version under review.

    `expected_revision` is the mark's revision the reviewer saw (0: no mark yet); if
    someone saved the mark since, nothing is saved (StaleMark). Marks on other items are
    never touched, so two reviewers marking different items both keep their work."""
    filing = _reviewing(version, by)
    if verdict not in MarkVerdict.values:
        raise FilingError(_("Choose accept or flag."))
    if bool(code) == (record is not None):
        raise FilingError(_("Mark one item or one record."))
    if code and code not in catalog.BY_CODE:
        raise FilingError(_("There is no item %(code)s.") % {"code": code})
    if record is not None and record.version_id != version.pk:
        raise FilingError(_("That record does not belong to this version."))
    reason = _text(reason, what=_("The reason"))
    note = _text(note, what=_("The internal note"))
    rule = (rule or "").strip().upper()
    if rule and rule not in RULES:
        raise FilingError(_("There is no rule %(rule)s.") % {"rule": rule})
    if verdict == MarkVerdict.FLAGGED and not reason:
        raise FilingError(_("A flag needs a reason the alliance can act on."))
    lookup = {"code": code} if code else {"record": record}
    mark = ReviewMark.objects.select_for_update().filter(version=version, **lookup).first()
    seen = mark.revision if mark else 0
    if expected_revision is not None and expected_revision != seen:
        who = mark.by.name or mark.by.email if mark and mark.by else "—"
        raise StaleMark(
            _(
                "%(who)s marked this %(what)s after you opened the page (now: %(verdict)s); "
                "nothing was saved. Read their mark, then change it if you must."
            )
            % {
                "who": who,
                "what": _("item") if code else _("record"),
                "verdict": mark.get_verdict_display() if mark else "—",
            }
        )
    before = _mark_state(mark)
    if mark is None:
        mark = ReviewMark(version=version, code=code, record=record, revision=0)
    mark.verdict, mark.reason, mark.rule, mark.note = verdict, reason, rule, note
    mark.revision += 1
    mark.by, mark.at = by, timezone.now()
    mark.save()
    audit_filing(
        filing,
        "review.marked",
        by,
        before,
        {**_mark_state(mark), "subject": code or f"{record.source}#{record.record_id}"},
    )
    return mark


def _mark_state(mark: ReviewMark | None) -> dict:
    if mark is None:
        return {}
    return {"verdict": mark.verdict, "rule": mark.rule, "reason": mark.reason}


@transaction.atomic
def accept_unmarked(*, version: FilingVersion, by) -> int:
    """Accept every item of the version nobody has marked yet; returns how many."""
    filing = _reviewing(version, by)
    items = unmarked_items(version)
    now = timezone.now()
    ReviewMark.objects.bulk_create(
        ReviewMark(version=version, code=item.code, verdict=MarkVerdict.ACCEPTED, by=by, at=now)
        for item in items
    )
    if items:
        audit_filing(
            filing, "review.accepted_rest", by, {}, {"items": [item.code for item in items]}
        )
    return len(items)


# --- notes ----------------------------------------------------------------------------


@transaction.atomic
def filing_note(*, filing: Filing, by, text: str, internal: bool) -> FilingTransition:
    """A note in the routing history without a change of state; internal notes are seen by
    the office (and the department) only."""
    filing = _office(filing, by)
    text = _text(text, what=_("The note"))
    if not text:
        raise FilingError(_("Write the note first."))
    note = FilingTransition.objects.create(
        filing=filing,
        from_state=filing.state,
        to_state=filing.state,
        version=getattr(_last_version(filing), "number", None),
        by=by,
        at=timezone.now(),
        comment=text,
        internal=internal,
    )
    audit_filing(filing, "filing.noted", by, {}, {"internal": internal}, reason=text)
    return note


# --- audit records --------------------------------------------------------------------


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
    filing = _office(filing, by)
    if filing.kind not in KPI_KINDS:
        raise FilingError(
            _("Expected outcomes get no numbered audit record: return them or accept them.")
        )
    version = _last_version(filing)
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
            % {"items": "、".join(f"{i.code} {i.label}" for i in missing[:8])}
            + ("…" if len(missing) > 8 else "")
        )
    year = filing.alliance_year.programme_year
    findings = findings_of(version)
    due = None
    if findings:
        due = correction_due or calendar.correction_default(filing.kind, year)
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
            },
            language=person.preferred_language,
            dedupe_key=f"auditrecord:{record.pk}:{person.pk}",
            attachments=[attachment],
        )


# --- reopen ---------------------------------------------------------------------------


@transaction.atomic
def filing_reopen(*, filing: Filing, by, reason: str, correction_due: dt.date) -> Filing:
    """Reopen an accepted filing for correction (office only, with a reason, audited)."""
    filing = _office(filing, by)
    if filing.state != FilingState.ACCEPTED:
        raise FilingError(
            _("Only an accepted filing can be reopened; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    reason = _text(reason, what=_("The reason"))
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
        version=getattr(_last_version(filing), "number", None),
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


# --- annual assessment ----------------------------------------------------------------


@transaction.atomic
def assessment_save(
    *, alliance_year: AllianceYear, by, outcome: str, reasons: str, conditions: str = ""
) -> Assessment:
    """Record (or revise) the year's assessment after the second filing was submitted."""
    require(permissions.can_view(by, alliance_year.alliance))
    if not is_office(by):
        raise FilingError(_("Only the programme office records the annual assessment."))
    second = (
        Filing.objects.select_for_update()
        .filter(alliance_year=alliance_year, kind=FilingKind.SECOND)
        .first()
    )
    if second is None or not second.versions.exists():
        raise FilingError(
            _("The annual assessment follows the second KPI filing, which is not submitted yet.")
        )
    if outcome not in AssessmentOutcome.values:
        raise FilingError(_("Choose the outcome of the assessment."))
    reasons = _text(reasons, what=_("The reasons"))
    conditions = _text(conditions, what=_("The conditions"))
    if not reasons:
        raise FilingError(_("Give the reasons for the assessment."))
    if outcome == AssessmentOutcome.CONDITIONS and not conditions:
        raise FilingError(_("Say which conditions the alliance must meet."))
    if outcome != AssessmentOutcome.CONDITIONS:
        conditions = ""
    current = Assessment.objects.select_for_update().filter(alliance_year=alliance_year).first()
    before = {"outcome": current.outcome, "reasons": current.reasons} if current else {}
    assessment = current or Assessment(alliance_year=alliance_year)
    assessment.outcome, assessment.reasons, assessment.conditions = outcome, reasons, conditions
    assessment.decided_by, assessment.decided_at = by, timezone.now()
    assessment.save()
    audit.record(
        actor=by,
        action="assessment.saved",
        target=assessment,
        alliance=alliance_year.alliance,
        before=before,
        after={"outcome": outcome, "reasons": reasons, "conditions": conditions},
    )
    for person in team_recipients(alliance_year.alliance_id, assistants=False):
        send_templated_email(
            to=[person.email],
            template="assessment_recorded",
            context={
                "assessment": assessment,
                "alliance": alliance_year.alliance,
                "year": alliance_year.programme_year.roc_year,
                "url": portal_url(filing_url(second)),
            },
            language=person.preferred_language,
        )
    return assessment


# --- bulk issue -----------------------------------------------------------------------

# A bulk still queued or running after this long is taken as dead (its worker stopped):
# it no longer blocks a new one.
BULK_STALE_AFTER = dt.timedelta(hours=1)


def reviewed_filings(roc_year: int, period: str):
    """Filings of the period under review whose latest version has every item marked."""
    n_items = len(catalog.ITEMS)
    result = []
    qs = Filing.objects.filter(
        alliance_year__programme_year__roc_year=roc_year,
        kind=period,
        state=FilingState.UNDER_REVIEW,
    ).prefetch_related("versions")
    marked = {}
    for row in (
        ReviewMark.objects.filter(
            record__isnull=True,
            version__filing__in=qs,
        )
        .values_list("version_id", flat=True)
        .order_by()
    ):
        marked[row] = marked.get(row, 0) + 1
    for filing in qs.order_by("alliance_year__alliance__code", "pk"):
        versions = list(filing.versions.all())
        if versions and marked.get(versions[-1].pk, 0) >= n_items:
            result.append(filing)
    return result


@transaction.atomic
def bulk_issue_start(*, roc_year: int, period: str, by, correction_due: dt.date) -> BulkIssue:
    """Queue the issue of every reviewed filing's audit record in the period."""
    if not is_office(by):
        raise FilingError(_("Only the programme office issues audit records."))
    if period not in KPI_KINDS:
        raise FilingError(_("Audit records are issued for KPI filings only."))
    if correction_due is None or correction_due < roc.today():
        raise FilingError(_("The correction deadline cannot be in the past."))
    # One bulk per period at a time: the programme year's row serializes double clicks.
    ProgrammeYear.objects.select_for_update().filter(roc_year=roc_year).first()
    running = BulkIssue.objects.filter(
        roc_year=roc_year,
        period=period,
        status__in=[BulkIssue.Status.QUEUED, BulkIssue.Status.RUNNING],
        created_at__gte=timezone.now() - BULK_STALE_AFTER,
    ).exists()
    if running:
        raise FilingError(_("A bulk issue of this period is already running; wait for it."))
    filings = reviewed_filings(roc_year, period)
    if not filings:
        raise FilingError(
            _("No filing of this period is under review with every item marked; nothing to issue.")
        )
    bulk = BulkIssue.objects.create(
        roc_year=roc_year,
        period=period,
        correction_due=correction_due,
        by=by,
        filing_ids=[f.pk for f in filings],
    )
    audit.record(
        actor=by,
        action="audit_record.bulk_started",
        target=bulk,
        after={"filings": len(filings), "correction_due": correction_due.isoformat()},
    )
    bulk_issue_task.enqueue(bulk.pk)
    return bulk


def _bulk_given_up(bulk_id: int, *, error: Exception) -> None:
    """Its worker died on the last allowed run: the bulk issue stops (what it issued stays;
    the office issues the rest on the filings' pages, or starts another bulk issue)."""
    BulkIssue.objects.filter(
        pk=bulk_id, status__in=[BulkIssue.Status.QUEUED, BulkIssue.Status.RUNNING]
    ).update(status=BulkIssue.Status.FAILED, finished_at=timezone.now())


# A run whose worker died is simply run again: it resumes after the last filing it counted.
@retrying_task(max_attempts=1, on_give_up=_bulk_given_up)
def bulk_issue_task(bulk_id: int) -> str:
    """Issue one record after the other, each in its own transaction, counting progress."""
    bulk = BulkIssue.objects.select_related("by").get(pk=bulk_id)
    if bulk.status == BulkIssue.Status.FINISHED:
        return "finished already"
    BulkIssue.objects.filter(pk=bulk.pk).update(status=BulkIssue.Status.RUNNING)
    try:
        issued, failures = _bulk_run(bulk)
    except Exception:
        BulkIssue.objects.filter(pk=bulk.pk).update(
            status=BulkIssue.Status.FAILED, finished_at=timezone.now()
        )
        raise
    BulkIssue.objects.filter(pk=bulk.pk).update(
        status=BulkIssue.Status.FINISHED, finished_at=timezone.now()
    )
    return f"{len(issued)} issued, {len(failures)} refused"


def _bulk_run(bulk: BulkIssue) -> tuple[list, list]:
    issued, failures = list(bulk.issued), list(bulk.failures)
    done = bulk.done
    for filing_id in bulk.filing_ids[done:]:
        filing = Filing.objects.select_related("alliance_year__alliance").get(pk=filing_id)
        try:
            record = audit_record_issue(
                filing=filing, by=bulk.by, correction_due=bulk.correction_due
            )
        except Exception as error:  # one filing's failure never stops the others
            if not isinstance(error, FilingError):
                logger.exception("bulk issue %s: filing %s failed", bulk.pk, filing_id)
                error = _("An unexpected error; the filing is unchanged. Issue it on its page.")
            failures.append(
                {
                    "filing": filing_id,
                    "alliance": filing.alliance_year.alliance.name,
                    "error": str(error),
                }
            )
        else:
            issued.append(record.pk)
        done += 1
        BulkIssue.objects.filter(pk=bulk.pk).update(done=done, issued=issued, failures=failures)
    return issued, failures
