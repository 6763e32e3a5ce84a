"""State changes of the ledger: save and delete records (with their verdicts, an audit
event and optimistic concurrency), attach evidence, recompute an alliance-year."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.permissions import is_office, require
from alliances import permissions as alliance_permissions
from alliances.locking import ledger_lock
from alliances.models import Capability
from core import audit, roc
from kpi.ledger import rules, selectors
from kpi.ledger.models import Activity, Evidence, LedgerCoverage, Outcome, RevenueEntry, RevenueKind

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = {b"%PDF-": "pdf", b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg"}


class LedgerError(Exception):
    """A refused change, with a message for the person who tried it."""


class ConcurrentEdit(LedgerError):
    """Someone saved the record after this person opened it."""


class ReasonRequired(LedgerError):
    """The record is covered by an accepted filing: a change needs a reason."""


def covered_through(alliance_year):
    """The last day an accepted filing covers in this alliance-year's ledger, or None."""
    return (
        LedgerCoverage.objects.filter(alliance_year=alliance_year)
        .order_by("-covered_through")
        .values_list("covered_through", flat=True)
        .first()
    )


def is_covered(record, through=None) -> bool:
    through = through if through is not None else covered_through(record.alliance_year)
    return through is not None and record.date is not None and record.date <= through


@transaction.atomic
def coverage_record(*, alliance_year, through, label: str, by) -> LedgerCoverage:
    """An accepted filing now covers the ledger up to `through` (called when the office
    accepts a filing)."""
    require(is_office(by))
    coverage = LedgerCoverage.objects.create(
        alliance_year=alliance_year, covered_through=through, label=label, recorded_by=by
    )
    audit.record(
        actor=by,
        action="ledger.covered",
        target=coverage,
        alliance=alliance_year.alliance,
        before={},
        after={"through": through.isoformat(), "filing": label},
    )
    return coverage


def _require_reason(record, reason: str, *, before_date=None) -> str:
    """Changing (or adding, or deleting) a record in a covered period needs a reason."""
    through = covered_through(record.alliance_year)
    touched = is_covered(record, through) or (
        before_date is not None and through is not None and before_date <= through
    )
    if not touched:
        return ""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(
            _(
                "This record is covered by an accepted filing (through %(date)s): say why it "
                "changes; the office sees the reason in the next filing."
            )
            % {"date": roc.format_roc_date(through)}
        )
    return reason


def can_keep_ledger(user, alliance) -> bool:
    return is_office(user) or alliance_permissions.has_capability(user, alliance, Capability.LEDGER)


def verdict_for(record, ctx) -> rules.Verdict:
    if isinstance(record, RevenueEntry):
        return rules.revenue(record, ctx)
    if isinstance(record, Outcome):
        return rules.outcome(record, ctx)
    attendee_ids = getattr(record, "_attendee_ids", None)
    if attendee_ids is None:
        attendee_ids = record.attendee_firms.values_list("pk", flat=True) if record.pk else []
    return rules.activity(record, ctx, attendee_ids)


def store_verdict(record, verdict: rules.Verdict) -> None:
    record.counted = verdict.counted
    record.full_amount = verdict.full
    record.counted_amount = verdict.counted_amount
    record.rule = verdict.rule
    record.rule_params = verdict.params


def _state(record) -> dict:
    state = {
        "kind": record.kind,
        "date": record.date.isoformat(),
        "counted": record.counted,
        "full": record.full_amount,
        "counted_amount": record.counted_amount,
        "rule": record.rule,
    }
    if isinstance(record, RevenueEntry):
        state["amount"] = record.amount
    return state


def _check_belongs(record) -> None:
    """A record's date lies in its programme year (transfers and collaborations excepted:
    R6/R7 keep those signed outside as excluded); a membership is of this alliance-year."""
    year = record.alliance_year.programme_year
    signed_kinds = {RevenueKind.TECHNOLOGY_TRANSFER, RevenueKind.COLLABORATION}
    if getattr(record, "kind", None) not in signed_kinds and not year.contains(record.date):
        raise LedgerError(
            _("The date %(date)s is outside the programme year %(start)s–%(end)s.")
            % {
                "date": roc.format_roc_date(record.date),
                "start": roc.format_roc_date(year.starts_on),
                "end": roc.format_roc_date(year.ends_on),
            }
        )
    membership = getattr(record, "membership", None)
    if membership is not None and membership.alliance_year_id != record.alliance_year_id:
        raise LedgerError(_("That membership belongs to another alliance or year."))


@transaction.atomic
def record_save(
    *, record, by, expected_version: int | None = None, attendee_firm_ids=None, reason: str = ""
):
    """Create or change a ledger record with its verdict. A change made from a page opened
    before someone else's save is refused (expected_version), never silently merged."""
    alliance = record.alliance_year.alliance
    require(alliance_permissions.can_view_alliance(by, alliance) or is_office(by))
    if not can_keep_ledger(by, alliance):
        raise LedgerError(_("You may not change this alliance's ledger."))
    ledger_lock(record.alliance_year_id)
    before = {}
    if record.pk:
        current = type(record).objects.select_for_update().filter(pk=record.pk).first()
        if current is None:
            raise LedgerError(_("This record was deleted meanwhile; nothing was saved."))
        if expected_version is not None and current.version != expected_version:
            raise ConcurrentEdit(
                _(
                    "Someone else saved this record after you opened it; nothing was saved. "
                    "Open it again to see their change."
                )
            )
        before = _state(current)
        record.version = current.version + 1
        before_date = current.date
    else:
        record.created_by = by
        before_date = None
    reason = _require_reason(record, reason, before_date=before_date)
    if reason:
        record.changed_after_acceptance = True
        record.change_reason = reason
    _check_belongs(record)
    membership = getattr(record, "membership", None)
    if membership is not None and membership.firm_id:
        record.firm = membership.firm  # exports and re-imports name the member firm
    if attendee_firm_ids is not None:
        record._attendee_ids = list(attendee_firm_ids)
    store_verdict(record, verdict_for(record, selectors.year_context(record.alliance_year)))
    try:
        record.full_clean(exclude=["created_by"])
    except ValidationError as error:
        raise LedgerError(" ".join(error.messages)) from error
    record.save()
    if attendee_firm_ids is not None:
        record.attendee_firms.set(attendee_firm_ids)
    audit.record(
        actor=by,
        action=f"ledger.{record._meta.model_name}." + ("changed" if before else "created"),
        target=record,
        alliance=alliance,
        before=before,
        after=_state(record),
        reason=reason,
    )
    return record


@transaction.atomic
def record_delete(*, record, by, reason: str = "") -> None:
    alliance = record.alliance_year.alliance
    if not can_keep_ledger(by, alliance):
        raise LedgerError(_("You may not change this alliance's ledger."))
    ledger_lock(record.alliance_year_id)
    reason = _require_reason(record, reason)
    audit.record(
        actor=by,
        action=f"ledger.{record._meta.model_name}.deleted"
        + ("_after_acceptance" if reason else ""),
        target=record,
        alliance=alliance,
        before=_state(record),
        after={"deleted": True},
        reason=reason,
    )
    record.delete()


@transaction.atomic
def recompute_alliance_year(alliance_year) -> int:
    """Recompute every verdict of an alliance-year (a member's kind or the year's weight
    changed). Returns how many verdicts changed."""
    ledger_lock(alliance_year.pk)
    ctx = selectors.year_context(alliance_year)
    changed = 0
    for model in (RevenueEntry, Outcome, Activity):
        qs = model.objects.select_for_update().filter(alliance_year=alliance_year)
        if model is Activity:
            qs = qs.prefetch_related("attendee_firms")
        for record in qs:
            if model is Activity:
                record._attendee_ids = [f.pk for f in record.attendee_firms.all()]
            old = (record.counted, record.full_amount, record.counted_amount, record.rule)
            store_verdict(record, verdict_for(record, ctx))
            if (record.counted, record.full_amount, record.counted_amount, record.rule) != old:
                record.save(
                    update_fields=[
                        "counted",
                        "full_amount",
                        "counted_amount",
                        "rule",
                        "rule_params",
                    ]
                )
                changed += 1
    return changed


def check_evidence(upload) -> str:
    """The file's real type (pdf, png, jpg), judged by its first bytes; ValidationError
    for anything else or anything too big."""
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, extension in SIGNATURES.items():
        if head.startswith(signature):
            return extension
    raise ValidationError(_("Evidence must be a PDF, JPEG or PNG file."))


@transaction.atomic
def evidence_add(*, record, upload, by) -> Evidence:
    alliance = record.alliance_year.alliance
    if not can_keep_ledger(by, alliance):
        raise LedgerError(_("You may not change this alliance's ledger."))
    ledger_lock(record.alliance_year_id)
    try:
        extension = check_evidence(upload)
    except ValidationError as error:
        raise LedgerError(" ".join(error.messages)) from error
    link = {
        record._meta.model_name if record._meta.model_name != "revenueentry" else "revenue": record
    }
    evidence = Evidence(
        alliance_year=record.alliance_year,
        extension=extension,
        original_name=upload.name[:200],
        size=upload.size,
        uploaded_by=by,
        **link,
    )
    evidence.file.save("x", upload, save=False)
    evidence.save()
    audit.record(
        actor=by,
        action="ledger.evidence.added",
        target=evidence,
        alliance=alliance,
        before={},
        after={"record": str(record), "file": evidence.original_name},
    )
    return evidence
