"""State changes of filings (domain.md §4): targets of the expected outcomes, the PI's
certified submission that freezes a snapshot, the office's routing steps, extensions.

    draft → submitted → under review → returned → resubmitted → under review → accepted

Each function runs in one transaction, checks who is acting, writes the routing history
(FilingTransition) and an audit event in that same transaction. A submission locks the
alliance-year's ledger (alliances.services.ledger_lock) so that its snapshot reflects one
consistent state of the ledger, never half of a concurrent edit.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import require
from alliances.locking import ledger_lock
from alliances.selectors import team_recipients
from core import audit, lists, roc
from core.mail import send_templated_email
from kpi.filings import calendar, checks, panels, permissions
from kpi.filings.models import (
    MAX_ANSWER,
    Filing,
    FilingExtension,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    FindingAnswer,
    SnapshotItem,
    SnapshotRecord,
)
from kpi.ledger import catalog
from kpi.ledger.models import Activity, Evidence, Outcome, RevenueEntry
from kpi.ledger.services import coverage_record
from members.models import MemberKind, Membership

STATEMENT = gettext_lazy(
    "I certify that the figures of this filing are true and complete, that they were "
    "counted by the programme's rules, and that the alliance keeps the evidence behind them."
)

TRANSITIONS = {
    FilingState.DRAFT: {FilingState.SUBMITTED},
    FilingState.SUBMITTED: {FilingState.UNDER_REVIEW},
    FilingState.UNDER_REVIEW: {FilingState.RETURNED, FilingState.ACCEPTED},
    FilingState.RETURNED: {FilingState.RESUBMITTED},
    FilingState.RESUBMITTED: {FilingState.UNDER_REVIEW},
    FilingState.ACCEPTED: {FilingState.RETURNED},  # the office's audited reopen only
}
MAX_TARGET = 10_000_000_000


class FilingError(Exception):
    """A refused step, with a message for the person who tried it."""


class FilingHasErrors(FilingError):
    """The check found errors; nothing was submitted."""

    def __init__(self, result):
        super().__init__(_("The check found errors; correct them, then submit."))
        self.result = result


class StaleFiling(FilingError):
    """Someone saved the filing after this person opened it."""


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def filing_url(filing: Filing) -> str:
    ay = filing.alliance_year
    return reverse(
        "filing_detail",
        kwargs={"pk": ay.alliance_id, "year": ay.programme_year.roc_year, "filing": filing.kind},
    )


def locked_filing(filing: Filing) -> Filing:
    """The filing's row, locked; created (as a draft) if nobody started it yet."""
    if filing.pk is None:
        Filing.objects.get_or_create(alliance_year=filing.alliance_year, kind=filing.kind)
        query = {"alliance_year": filing.alliance_year, "kind": filing.kind}
    else:
        query = {"pk": filing.pk}
    return (
        Filing.objects.select_for_update(of=("self",))
        .select_related("alliance_year__programme_year", "alliance_year__alliance")
        .get(**query)
    )


def move_filing(filing: Filing, to: str, *, by, comment="", version=None, internal=False):
    if to not in TRANSITIONS[filing.state]:
        raise FilingError(
            _("A filing that is %(state)s cannot become %(to)s.")
            % {"state": filing.get_state_display(), "to": FilingState(to).label}
        )
    before = filing.state
    filing.state = to
    filing.save(update_fields=["state", "correction_due", "updated_at"])
    return FilingTransition.objects.create(
        filing=filing,
        from_state=before,
        to_state=to,
        version=version,
        by=by,
        at=timezone.now(),
        comment=comment,
        internal=internal,
    )


def audit_filing(filing: Filing, action: str, by, before: dict, after: dict, reason: str = ""):
    audit.record(
        actor=by,
        action=action,
        target=filing,
        alliance=filing.alliance_year.alliance,
        before=before,
        after=after,
        reason=reason,
    )


# --- the alliance's side ----------------------------------------------------------------


def _clean_targets(targets: dict) -> dict:
    clean, wrong = {}, []
    for item in catalog.TARGETED:
        value = targets.get(item.code)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            wrong.append(str(item.label))
            continue
        if not 0 <= number <= MAX_TARGET:
            wrong.append(str(item.label))
            continue
        clean[item.code] = number
    if wrong:
        raise FilingError(
            _("Targets must be whole numbers from 0 up: %(items)s.") % {"items": lists.join(wrong)}
        )
    return clean


@transaction.atomic
def targets_save(*, filing: Filing, by, targets: dict, expected_revision=None) -> Filing:
    """Save the expected outcomes being prepared (a target per catalog item)."""
    alliance = filing.alliance_year.alliance
    require(permissions.can_view(by, alliance))
    if not permissions.can_prepare(by, alliance):
        raise FilingError(_("You may not prepare this alliance's filings."))
    if filing.kind != FilingKind.EXPECTED:
        raise FilingError(_("Only the expected outcomes have targets to enter."))
    clean = _clean_targets(targets)
    filing = locked_filing(filing)
    if not filing.is_open:
        raise FilingError(
            _("This filing is %(state)s: nothing of it can change now.")
            % {"state": filing.get_state_display()}
        )
    if expected_revision is not None and filing.revision != expected_revision:
        raise StaleFiling(
            _(
                "Someone else saved these targets after you opened them; nothing was saved. "
                "Open the page again to see their change."
            )
        )
    before = dict(filing.targets)
    filing.targets = clean
    filing.revision += 1
    filing.save(update_fields=["targets", "revision", "updated_at"])
    audit_filing(filing, "filing.targets_saved", by, {"targets": before}, {"targets": clean})
    return filing


def _check_certification(by, certified_name: str, confirmed: bool) -> str:
    name = " ".join((certified_name or "").split())
    if not confirmed or not name:
        raise FilingError(
            _("To certify, tick the statement and type your name as it appears on your account.")
        )
    own = " ".join((by.name or "").split())
    if own and name != own:
        raise FilingError(
            _("The name typed (%(typed)s) is not the name on your account (%(own)s).")
            % {"typed": name, "own": own}
        )
    return name


def _clean_answers(found: dict | None, answers: dict | None) -> list[tuple[str, str]]:
    """Every finding of the audit record the filing was returned with needs an answer of
    1 to MAX_ANSWER characters: what was corrected, or why nothing needed to be."""
    if not found:
        return []
    answers = answers or {}
    clean, missing, long = [], [], []
    for row in found["rows"]:
        text = " ".join(str(answers.get(row["key"]) or "").split())
        if not text:
            missing.append(str(row["n"]))
        elif len(text) > MAX_ANSWER:
            long.append(str(row["n"]))
        clean.append((row["key"], text))
    if missing:
        raise FilingError(
            _(
                "Answer every finding of audit record %(number)s in a line or two: what you "
                "corrected, or why nothing needed correcting. Not answered: %(findings)s."
            )
            % {"number": found["number"], "findings": ", ".join(f"#{n}" for n in missing)}
        )
    if long:
        raise FilingError(
            _("An answer is at most %(max)s characters; too long: %(findings)s.")
            % {"max": MAX_ANSWER, "findings": ", ".join(f"#{n}" for n in long)}
        )
    return clean


@transaction.atomic
def filing_submit(
    *, filing: Filing, by, certified_name: str, confirmed: bool, answers: dict | None = None
) -> FilingVersion:
    """The PI certifies and submits: the check must find no errors, the deadline (or an
    extension, or the correction deadline) must not have passed. Freezes a new version.
    A filing returned with an audit record is resubmitted with an answer to each of its
    findings (`answers`: {finding key: text}), kept with the new version."""
    alliance = filing.alliance_year.alliance
    require(permissions.can_view(by, alliance))
    if not permissions.can_submit(by, alliance):
        raise FilingError(
            _("Only the PI can certify and submit; co-PIs and assistants may prepare.")
        )
    name = _check_certification(by, certified_name, confirmed)
    ledger_lock(filing.alliance_year_id)  # edits wait; this snapshot sees one ledger state
    filing = locked_filing(filing)
    if not filing.is_open:
        raise FilingError(
            _("This filing is already %(state)s; it cannot be submitted again.")
            % {"state": filing.get_state_display()}
        )
    year = filing.alliance_year.programme_year
    refusal = calendar.submission_refusal(filing, year)
    if refusal:
        raise FilingError(refusal)
    found = panels.open_findings(filing) if filing.state == FilingState.RETURNED else None
    clean_answers = _clean_answers(found, answers)
    result = checks.run(filing)
    if result.errors:
        raise FilingHasErrors(result)
    version = _take_snapshot(filing, result, by=by, certified_name=name)
    FindingAnswer.objects.bulk_create(
        FindingAnswer(version=version, record_number=found["number"], finding=key, answer=text)
        for key, text in clean_answers
    )
    before = filing.state
    to = FilingState.SUBMITTED if before == FilingState.DRAFT else FilingState.RESUBMITTED
    move_filing(filing, to, by=by, version=version.number)
    audit_filing(
        filing,
        "filing.submitted",
        by,
        {"state": before},
        {
            "state": to,
            "version": version.number,
            "warnings": len(result.warnings),
            "answers": len(clean_answers),
        },
    )
    tell_team(filing, "filing_submitted", {"version": version}, assistants=False)
    return version


def _warnings_in_every_language(filing: Filing, result) -> list[dict]:
    """The check's warnings with their text in each of the portal's languages, so that
    everyone reads the version's warnings in their own: the check is run again under each
    other language (same data: the ledger is locked for the submission)."""
    current = translation.get_language()
    rows = [
        {"rule": p.rule, "message": p.message, "messages": {current: p.message}}
        for p in result.warnings
    ]
    for language, _name in settings.LANGUAGES:
        if language == current:
            continue
        with translation.override(language):
            other = checks.run(filing).warnings
        if [p.rule for p in other] == [row["rule"] for row in rows]:
            for row, problem in zip(rows, other, strict=True):
                row["messages"][language] = problem.message
    return rows


def _take_snapshot(filing: Filing, result, *, by, certified_name: str, at=None):
    number = (filing.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FilingVersion.objects.create(
        filing=filing,
        number=number,
        through=result.through,
        submitted_at=at or timezone.now(),
        submitted_by=by,
        certified_name=certified_name,
        statement=str(STATEMENT),
        warnings=_warnings_in_every_language(filing, result),
    )
    SnapshotItem.objects.bulk_create(
        SnapshotItem(
            version=version,
            code=item.code,
            entered=result.entered.get(item.code),
            counted=result.values.get(item.code),
            target=result.targets.get(item.code),
        )
        for item in catalog.ITEMS
    )
    if filing.kind != FilingKind.EXPECTED:
        scope = result.through if filing.kind == FilingKind.FIRST else None
        SnapshotRecord.objects.bulk_create(_records(version, filing.alliance_year, scope))
    return version


def _records(version, ay, through):
    for m in Membership.objects.filter(alliance_year=ay).select_related("firm"):
        yield SnapshotRecord(
            version=version,
            source=SnapshotRecord.Source.MEMBERSHIP,
            record_id=m.pk,
            kind=m.counted_kind,
            kind_label=str(m.get_counted_kind_display()),
            label=str(m.member_name)[:300],
            amount=m.annual_fee,
            counted=m.counted_kind == MemberKind.COMPANY,
            counted_amount=m.annual_fee if m.counted_kind == MemberKind.COMPANY else 0,
            rule=m.rule,
            rule_params=m.rule_params,
        )
    for source, model in (
        (SnapshotRecord.Source.REVENUE, RevenueEntry),
        (SnapshotRecord.Source.OUTCOME, Outcome),
        (SnapshotRecord.Source.ACTIVITY, Activity),
    ):
        qs = model.objects.filter(alliance_year=ay).prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.order_by("pk"))
        )
        if through is not None:
            qs = qs.filter(date__lte=through)
        for r in qs.order_by("pk"):
            files = [{"id": e.pk, "name": e.original_name} for e in r.evidence.all()]
            yield SnapshotRecord(
                version=version,
                source=source,
                record_id=r.pk,
                record_version=r.version,
                kind=r.kind,
                kind_label=str(r.get_kind_display()),
                date=r.date,
                label=str(getattr(r, "title", "") or r.description or r)[:300],
                amount=r.full_amount,
                counted=r.counted,
                counted_amount=r.counted_amount,
                rule=r.rule,
                rule_params=r.rule_params,
                evidence_files=len(files),
                evidence=files,
                changed_after_acceptance=r.changed_after_acceptance,
                change_reason=r.change_reason,
            )


def tell_team(filing: Filing, template: str, context: dict, *, assistants: bool) -> None:
    ay = filing.alliance_year
    for person in team_recipients(ay.alliance_id, assistants=assistants):
        send_templated_email(
            to=[person.email],
            template=template,
            context={
                "filing": filing,
                "alliance": ay.alliance,
                "year": ay.programme_year.roc_year,
                "url": portal_url(filing_url(filing)),
                **context,
            },
            language=person.preferred_language,
        )


# --- the office's side (its pages are the review issue's) -------------------------------


def _office_step(filing: Filing, by) -> Filing:
    require(permissions.can_view(by, filing.alliance_year.alliance))
    if not permissions.can_route(by):
        raise FilingError(_("Only the programme office reviews filings."))
    return locked_filing(filing)


@transaction.atomic
def filing_review_start(*, filing: Filing, by) -> Filing:
    filing = _office_step(filing, by)
    before = filing.state
    move_filing(filing, FilingState.UNDER_REVIEW, by=by, version=_last_number(filing))
    audit_filing(filing, "filing.review_started", by, {"state": before}, {"state": filing.state})
    return filing


@transaction.atomic
def filing_return(*, filing: Filing, by, comment: str, correction_due=None) -> Filing:
    """Return for correction, until `correction_due` (default: the calendar's)."""
    filing = _office_step(filing, by)
    if filing.kind != FilingKind.EXPECTED:
        raise FilingError(_("A KPI filing is returned by issuing its audit record."))
    if filing.state != FilingState.UNDER_REVIEW:
        raise FilingError(
            _("Only a filing under review can be returned; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    comment = (comment or "").strip()
    if not comment:
        raise FilingError(_("Say what the alliance must correct."))
    year = filing.alliance_year.programme_year
    due = correction_due or calendar.correction_proposal(filing.kind, year).due
    if due < roc.today():
        raise FilingError(_("The correction deadline cannot be in the past."))
    before = filing.state
    filing.correction_due = due
    move_filing(filing, FilingState.RETURNED, by=by, comment=comment, version=_last_number(filing))
    audit_filing(
        filing,
        "filing.returned",
        by,
        {"state": before},
        {"state": filing.state, "correction_due": due.isoformat()},
        reason=comment,
    )
    tell_team(filing, "filing_returned", {"comment": comment, "due": due}, assistants=True)
    return filing


@transaction.atomic
def filing_accept(*, filing: Filing, by, comment: str = "") -> Filing:
    """Accept the last version: a KPI filing then covers the ledger through its period's
    end (changes to covered records need a reason); accepted expected outcomes become the
    year's targets."""
    filing = _office_step(filing, by)
    if filing.kind != FilingKind.EXPECTED:
        raise FilingError(
            _("A KPI filing is accepted by issuing its audit record with no findings.")
        )
    if filing.state != FilingState.UNDER_REVIEW:
        raise FilingError(
            _("Only a filing under review can be accepted; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    return accept_version(filing, by=by, comment=comment, number=_last_number(filing))


def accept_version(filing: Filing, *, by, comment: str, number: int | None) -> Filing:
    """Accept version `number` of the locked filing (the review's audit record with no
    findings comes this way too)."""
    before = filing.state
    move_filing(filing, FilingState.ACCEPTED, by=by, comment=comment, version=number)
    version = filing.versions.get(number=number)
    if version.through is not None:
        coverage_record(
            alliance_year=filing.alliance_year,
            through=version.through,
            label=f"{filing.get_kind_display()} v{number}",
            by=by,
        )
    audit_filing(filing, "filing.accepted", by, {"state": before}, {"state": filing.state})
    return filing


def _last_number(filing: Filing) -> int | None:
    return filing.versions.aggregate(n=Max("number"))["n"]


@transaction.atomic
def extension_grant(*, filing: Filing, by, until, reason: str) -> FilingExtension:
    """Let this alliance submit this filing until the end of `until` (Asia/Taipei)."""
    require(permissions.can_view(by, filing.alliance_year.alliance))
    if not permissions.can_extend(by):
        raise FilingError(_("Only the programme office grants extensions."))
    reason = (reason or "").strip()
    if not reason:
        raise FilingError(_("Give the reason for the extension."))
    if until is None or until < roc.today():
        raise FilingError(_("An extension must run until today or a later day."))
    filing = locked_filing(filing)
    if not filing.is_open:
        raise FilingError(
            _("This filing is %(state)s: there is nothing to extend.")
            % {"state": filing.get_state_display()}
        )
    current = calendar.deadline(filing, filing.alliance_year.programme_year)
    extension = FilingExtension.objects.create(
        filing=filing, until=until, reason=reason, granted_by=by
    )
    audit_filing(
        filing,
        "filing.extended",
        by,
        {"due": current.due.isoformat()},
        {"due": until.isoformat()},
        reason=reason,
    )
    tell_team(filing, "filing_extended", {"extension": extension}, assistants=True)
    return extension
