"""Reads about filings: an alliance-year's filings, its targets (the accepted expected
outcomes), the P2 floor, a version's items beside the previous version's, and the records
changed since an earlier accepted filing."""

import datetime as dt

from django.http import Http404

from alliances.models import AllianceYear
from alliances.selectors import alliance_year_of, visible_alliance
from core.models import AuditEvent
from kpi.filings import calendar
from kpi.filings.models import (
    Filing,
    FilingKind,
    FilingState,
    FilingVersion,
    SnapshotItem,
    SnapshotRecord,
)
from kpi.ledger import catalog


def filing_of(alliance_year: AllianceYear, kind: str) -> Filing:
    """The alliance-year's filing of this kind; an unsaved draft if nobody started it."""
    filing = Filing.objects.filter(alliance_year=alliance_year, kind=kind).first()
    if filing is not None:
        filing.alliance_year = alliance_year  # loaded already: no query to read it again
    return filing or Filing(alliance_year=alliance_year, kind=kind)


def filing_for(user, pk, year, kind: str):
    """(alliance, alliance-year, filing) of a filing page: 404 for a kind that does not
    exist, an alliance `user` may not see, or a year it does not have."""
    if kind not in FilingKind.values:
        raise Http404
    alliance = visible_alliance(user, pk)
    ay = alliance_year_of(alliance, year)
    return alliance, ay, filing_of(ay, kind)


def filings_of_year(alliance_year: AllianceYear) -> list[Filing]:
    """The three filings in calendar order, each with `latest` (its last version or None)."""
    existing = {
        f.kind: f
        for f in Filing.objects.filter(alliance_year=alliance_year).prefetch_related("versions")
    }
    result = []
    for kind in FilingKind.values:
        filing = existing.get(kind) or Filing(alliance_year=alliance_year, kind=kind)
        versions = list(filing.versions.all()) if filing.pk else []
        filing.latest = versions[-1] if versions else None
        result.append(filing)
    return result


def correction_deadline(filing: Filing) -> dt.date | None:
    """The one correction deadline of a returned filing, or None if it is not returned:
    the audit record's (or the return's) correction deadline, or the later day of an office
    extension granted since it was returned (kpi.filings.calendar.correction_deadline).
    The filing page, the audit record, the emails and the reminders all show this day."""
    return calendar.correction_deadline(filing)


def correction_deadlines(filings) -> dict:
    """correction_deadline() of many filings in two queries: {filing id: date}, returned
    filings only."""
    returned = [f for f in filings if f.pk and calendar.is_correction(f)]
    latest = calendar.latest_extensions(returned)
    return {f.pk: calendar.correction_deadline(f, latest.get(f.pk)) for f in returned}


def latest_version(filing: Filing) -> FilingVersion | None:
    if not filing.pk:
        return None
    return filing.versions.order_by("-number").first()


def accepted_version(alliance_year, kind: str) -> FilingVersion | None:
    """The version the office accepted: the last one of an accepted filing."""
    return (
        FilingVersion.objects.filter(
            filing__alliance_year=alliance_year,
            filing__kind=kind,
            filing__state=FilingState.ACCEPTED,
        )
        .order_by("-number")
        .first()
    )


def year_targets(alliance_year) -> tuple[dict, str | None]:
    """The year's targets by item code, and where they come from: "accepted" (the office
    accepted the expected outcomes: these are the year's targets), "submitted" (provisional)
    or None (no expected outcomes submitted yet)."""
    filing = Filing.objects.filter(alliance_year=alliance_year, kind=FilingKind.EXPECTED).first()
    version = latest_version(filing) if filing else None
    if version is None:
        return {}, None
    targets = dict(version.items.values_list("code", "target"))
    return targets, "accepted" if filing.state == FilingState.ACCEPTED else "submitted"


def version_rows(version: FilingVersion, previous: FilingVersion | None = None) -> list[dict]:
    """The version's items in catalog order, each beside the previous version's values."""
    mine = {i.code: i for i in version.items.all()}
    before = {i.code: i for i in previous.items.all()} if previous else {}
    rows = []
    for item in catalog.ITEMS:
        now, old = mine.get(item.code), before.get(item.code)
        if now is None:
            continue
        changed = bool(old) and (
            (now.entered, now.counted, now.target) != (old.entered, old.counted, old.target)
        )
        rows.append({"item": item, "now": now, "before": old, "changed": changed})
    return rows


def evidence_change(old: SnapshotRecord, new: SnapshotRecord) -> dict | None:
    """The evidence files added and removed between two snapshots of one record, by name
    (by count for versions taken before the names were kept), or None if none changed."""
    named = len(old.evidence) == old.evidence_files and len(new.evidence) == new.evidence_files
    if named:
        before = {e["id"]: e["name"] for e in old.evidence}
        after = {e["id"]: e["name"] for e in new.evidence}
        added = [after[i] for i in sorted(after.keys() - before.keys())]
        removed = [before[i] for i in sorted(before.keys() - after.keys())]
        more, fewer = len(added), len(removed)
    else:
        added, removed = [], []
        more = max(new.evidence_files - old.evidence_files, 0)
        fewer = max(old.evidence_files - new.evidence_files, 0)
    if not (more or fewer):
        return None
    return {"added": added, "removed": removed, "more": more, "fewer": fewer}


def record_changes(version: FilingVersion, previous: FilingVersion) -> dict:
    """Records added, removed and changed between two versions of one filing; a changed
    record (the new one of each pair) carries `evidence_change` (evidence_change()) and
    `amounts_changed`, so a page says what changed, not only the amounts."""
    mine = {(r.source, r.record_id): r for r in version.records.all()}
    before = {(r.source, r.record_id): r for r in previous.records.all()}
    added = [mine[k] for k in mine.keys() - before.keys()]
    removed = [before[k] for k in before.keys() - mine.keys()]
    changed = []
    for k in mine.keys() & before.keys():
        old, new = before[k], mine[k]
        new.evidence_change = evidence_change(old, new)
        new.amounts_changed = (old.counted, old.counted_amount, old.amount) != (
            new.counted,
            new.counted_amount,
            new.amount,
        )
        if new.record_version != old.record_version or new.amounts_changed or new.evidence_change:
            changed.append((old, new))
    key = lambda r: (r.source, r.kind, r.date or r.version.submitted_at.date(), r.record_id)  # noqa: E731
    return {
        "added": sorted(added, key=key),
        "removed": sorted(removed, key=key),
        "changed": sorted(changed, key=lambda pair: key(pair[1])),
    }


def changed_after_acceptance(version: FilingVersion) -> dict:
    """Records an earlier accepted filing covered that were changed (with the reason given)
    or deleted since, as the office must see them (§4)."""
    changed = list(version.records.filter(changed_after_acceptance=True).order_by("source", "date"))
    deleted = _deleted_after_acceptance(version)
    return {"changed": changed, "deleted": deleted}


def _deleted_after_acceptance(version: FilingVersion) -> list:
    """Deletions of covered records of this alliance-year (their audit events) up to the
    submission of the version."""
    ay = version.filing.alliance_year
    events = AuditEvent.objects.filter(
        alliance_id=ay.alliance_id,
        action__endswith="deleted_after_acceptance",
        occurred_at__lte=version.submitted_at,
    ).order_by("occurred_at")
    start, end = ay.programme_year.starts_on.isoformat(), ay.programme_year.ends_on.isoformat()
    return [e for e in events if start <= (e.before or {}).get("date", "") <= end]


def records_of(version: FilingVersion, source: str | None = None):
    qs = SnapshotRecord.objects.filter(version=version)
    return qs.filter(source=source) if source else qs


def accepted_sums_by_field(roc_year: int, codes, kind: str = FilingKind.SECOND) -> dict:
    """The official figures of a programme year: for each field, how many alliances have an
    accepted filing of this kind and the sum of each item's counted value over their last
    versions (what the office accepted). The reports (§7) build on this."""
    from django.db.models import Count, OuterRef, Subquery, Sum

    last = FilingVersion.objects.filter(filing=OuterRef("version__filing")).order_by("-number")
    rows = (
        SnapshotItem.objects.filter(
            code__in=list(codes),
            version__filing__kind=kind,
            version__filing__state=FilingState.ACCEPTED,
            version__filing__alliance_year__programme_year__roc_year=roc_year,
            version__number=Subquery(last.values("number")[:1]),
        )
        .values("version__filing__alliance_year__alliance__field", "code")
        .annotate(total=Sum("counted"), alliances=Count("version__filing", distinct=True))
        .order_by()
    )
    result: dict = {}
    for row in rows:
        field = result.setdefault(row["version__filing__alliance_year__alliance__field"], {})
        field[row["code"]] = row["total"] or 0
        field["alliances"] = max(field.get("alliances", 0), row["alliances"])
    return result
