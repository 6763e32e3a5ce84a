"""The office's marks on a version's items, and notes on a filing."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kpi.filings.models import (
    Filing,
    FilingState,
    FilingTransition,
    FilingVersion,
    SnapshotRecord,
)
from kpi.filings.services import (
    FilingError,
    audit_filing,
)
from kpi.ledger import catalog
from kpi.review.models import (
    MarkVerdict,
    ReviewMark,
)
from kpi.review.services.base import (
    RULES,
    StaleMark,
    clean_text,
    last_version,
    office_filing,
    unmarked_items,
)


def _reviewing(version: FilingVersion, by) -> Filing:
    """The version's filing, locked, if the office may mark this version now: the filing
    is under review and this is its latest version."""
    filing = office_filing(version.filing, by)
    if filing.state != FilingState.UNDER_REVIEW:
        raise FilingError(
            _("Marks can be set only while the filing is under review; it is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    latest = last_version(filing)
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
    reason = clean_text(reason, what=_("The reason"))
    note = clean_text(note, what=_("The internal note"))
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


@transaction.atomic
def filing_note(*, filing: Filing, by, text: str, internal: bool) -> FilingTransition:
    """A note in the routing history without a change of state; internal notes are seen by
    the office (and the department) only."""
    filing = office_filing(filing, by)
    text = clean_text(text, what=_("The note"))
    if not text:
        raise FilingError(_("Write the note first."))
    note = FilingTransition.objects.create(
        filing=filing,
        from_state=filing.state,
        to_state=filing.state,
        version=getattr(last_version(filing), "number", None),
        by=by,
        at=timezone.now(),
        comment=text,
        internal=internal,
    )
    audit_filing(filing, "filing.noted", by, {}, {"internal": internal}, reason=text)
    return note
