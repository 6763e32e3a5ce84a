"""Reads for the office's review: the overview of a filing period, a version's items with
their marks beside the target, last year's value and the previous version, the records
behind an item, findings as the reader's language shows them, and audit records."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse

from alliances.models import AllianceRole, AllianceYear, RoleStatus, TeamRole
from core import roc
from core.models import OutboundEmail
from kpi.filings import calendar
from kpi.filings import status as filing_status
from kpi.filings.models import (
    Filing,
    FilingExtension,
    FilingKind,
    FilingState,
    FilingVersion,
    FindingAnswer,
    SnapshotItem,
    SnapshotRecord,
    finding_key,
)
from kpi.ledger import catalog
from kpi.ledger.models import (
    ActivityKind,
    OutcomeKind,
    RevenueKind,
)
from kpi.review.models import AuditRecord, ReviewMark
from members.models import MemberKind

# The overview's statuses: kpi.filings.status, the one vocabulary of every page.
NOT_STARTED, OVERDUE = filing_status.NOT_STARTED, filing_status.OVERDUE
STATUS_LABELS = filing_status.LABELS
STATUS_ORDER = filing_status.ORDER


@dataclass
class OverviewRow:
    ay: AllianceYear
    filing: Filing | None
    status: str
    due: dt.date | None
    latest: FilingVersion | None
    record: AuditRecord | None
    assessment: object | None = None

    @property
    def alliance(self):
        return self.ay.alliance

    @property
    def status_label(self) -> str:
        return filing_status.label(self.status)


@dataclass
class Overview:
    rows: list[OverviewRow]
    counts: dict = field(default_factory=dict)  # status → number, over the unfiltered rows


def overview(roc_year: int, period: str, *, field_code="", phase=None, status="", now=None):
    """Every alliance-year of the programme year with its filing of this period: state,
    latest version, deadline, last audit record (and the assessment, for the second
    filing). A fixed number of queries whatever the number of alliances."""
    years = (
        AllianceYear.objects.filter(programme_year__roc_year=roc_year)
        .select_related("alliance__field", "programme_year", "assessment")
        .annotate(has_records=filing_status.has_records())
        .order_by("alliance__field__code", "alliance__code", "alliance__pk")
    )
    if field_code:
        years = years.filter(alliance__field__code=field_code)
    if phase in (1, 2):
        years = years.filter(phase=phase)
    filings = {
        f.alliance_year_id: f
        for f in Filing.objects.filter(alliance_year__in=years.values("pk"), kind=period)
        .annotate(returned_at=calendar.returned_at())
        .prefetch_related(
            Prefetch("versions", queryset=FilingVersion.objects.order_by("number")),
            Prefetch("extensions", queryset=FilingExtension.objects.order_by("-granted_at", "-pk")),
            Prefetch("audit_records", queryset=AuditRecord.objects.order_by("serial")),
        )
    }
    rows = []
    for ay in years:
        filing = filings.get(ay.pk)
        versions = list(filing.versions.all()) if filing else []
        records = list(filing.audit_records.all()) if filing else []
        if filing is None:
            shown = Filing(alliance_year=ay, kind=period)
            d = calendar.deadline(shown, ay.programme_year, None)
        else:
            shown = filing
            extension = calendar.pick_extension(filing, filing.extensions.all(), filing.returned_at)
            d = calendar.deadline(filing, ay.programme_year, extension)
        state = filing_status.status(
            shown,
            submitted_before=bool(versions),
            started=filing_status.started(shown, ay.has_records),
            passed=d.passed(now),
        )
        rows.append(
            OverviewRow(
                ay=ay,
                filing=filing,
                status=state,
                due=d.due,
                latest=versions[-1] if versions else None,
                record=records[-1] if records else None,
                assessment=getattr(ay, "assessment", None),
            )
        )
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in rows:
        counts[row.status] += 1
    if status:
        rows = [row for row in rows if row.status == status]
    return Overview(rows=rows, counts=counts)


def _kind_label(source: str, kind: str, fallback: str = "") -> str:
    choices = {
        "membership": MemberKind,
        "revenue": RevenueKind,
        "outcome": OutcomeKind,
        "activity": ActivityKind,
    }.get(source)
    try:
        return str(choices(kind).label)
    except (TypeError, ValueError):
        return fallback or kind


def finding_rows(findings: list[dict]) -> list[dict]:
    """An audit record's findings with labels in the active language."""
    rows = []
    for n, f in enumerate(findings, start=1):
        if f.get("type") == "item":
            item = catalog.BY_CODE.get(f["code"])
            rows.append(
                {
                    **f,
                    "n": n,
                    "subject": f"{f['code']} {item.label if item else ''}",
                    "unit": item.unit if item else "",
                }
            )
        else:
            source = SnapshotRecord.Source(f["source"]).label
            date = dt.date.fromisoformat(f["date"]) if f.get("date") else None
            rows.append(
                {
                    **f,
                    "n": n,
                    "subject": f"{source} · {_kind_label(f['source'], f['kind'], f['kind_label'])}",
                    "date_roc": roc.format_roc_date(date) if date else "",
                }
            )
    return rows


def with_links(rows: list[dict], alliance_id: int, roc_year: int) -> list[dict]:
    """Finding rows (finding_rows) with what each concerns: `link` to the ledger filtered
    to the item's records (or to the one record, or the members), `target_link` to the
    expected outcomes for an item with a target, and the finding's `key`."""
    for row in rows:
        row["key"] = finding_key(row)
        if row.get("type") == "item":
            item = catalog.BY_CODE.get(row["code"])
            records = item.records if item else ""
            row["link"] = catalog.records_url(records, alliance_id, roc_year) if records else ""
            row["target_link"] = (
                reverse("filing_detail", args=[alliance_id, roc_year, FilingKind.EXPECTED])
                if row.get("target") is not None
                else ""
            )
        else:
            row["link"] = catalog.records_url(
                f"{row['source']}:{row['kind']}", alliance_id, roc_year, row.get("record_id")
            )
            row["target_link"] = ""
    return rows


def answered(version: FilingVersion | None) -> dict:
    """The PI's answers kept with a version: {finding key: answer}."""
    if version is None:
        return {}
    return dict(FindingAnswer.objects.filter(version=version).values_list("finding", "answer"))


def answer_rows(version: FilingVersion) -> dict | None:
    """The findings of the audit record this version answers, each with the PI's answer
    kept with it: {"number", "rows"}, or None if the version answers none."""
    answers = list(FindingAnswer.objects.filter(version=version))
    if not answers:
        return None
    number = answers[0].record_number
    record = (
        AuditRecord.objects.filter(filing_id=version.filing_id, version__number__lt=version.number)
        .order_by("-serial")
        .first()
    )
    by_key = {a.finding: a.answer for a in answers}
    rows = finding_rows(record.findings) if record is not None else []
    for row in rows:
        row["answer"] = by_key.get(finding_key(row), "")
    return {"number": number, "rows": rows}


def last_year_values(alliance_year) -> dict:
    """Last year's counted value of every item (its accepted second filing), or {}."""
    return dict(
        SnapshotItem.objects.filter(
            version__filing__alliance_year__alliance_id=alliance_year.alliance_id,
            version__filing__alliance_year__programme_year__roc_year=alliance_year.programme_year.roc_year
            - 1,
            version__filing__kind=FilingKind.SECOND,
            version__filing__state=FilingState.ACCEPTED,
        )
        .order_by("code", "version__number")
        .values_list("code", "counted")
    )


def review_rows(version: FilingVersion, previous: FilingVersion | None, flagged_before: set):
    """The version's items in catalog order (flagged-before items first on a
    resubmission), each with its value, target, last year's value, the previous version's
    value and the current mark."""
    ay = version.filing.alliance_year
    mine = {i.code: i for i in version.items.all()}
    before = {i.code: i for i in previous.items.all()} if previous else {}
    marks = {
        m.code: m
        for m in ReviewMark.objects.filter(version=version, record__isnull=True).select_related(
            "by"
        )
    }
    last_year = last_year_values(ay)
    rows = []
    for item in catalog.ITEMS:
        now = mine.get(item.code)
        if now is None:
            continue
        old = before.get(item.code)
        rows.append(
            {
                "item": item,
                "now": now,
                "before": old,
                "changed": bool(old)
                and (now.entered, now.counted, now.target)
                != (old.entered, old.counted, old.target),
                "last_year": last_year.get(item.code),
                "mark": marks.get(item.code),
                "flagged_before": item.code in flagged_before,
            }
        )
    rows.sort(key=lambda r: not r["flagged_before"])  # stable: catalog order otherwise
    return rows


def records_for_item(version: FilingVersion, code: str):
    """The records behind one item (catalog Item.records: "revenue:technical_service")."""
    item = catalog.BY_CODE.get(code)
    qs = SnapshotRecord.objects.filter(version=version)
    if item is None or not item.records:
        return qs.none()
    source, _sep, kind = item.records.partition(":")
    source = {"members": "membership", "outcomes": "outcome", "activities": "activity"}.get(
        source, source
    )
    qs = qs.filter(source=source)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.prefetch_related(Prefetch("marks", queryset=ReviewMark.objects.select_related("by")))


def flagged_records(version: FilingVersion):
    return (
        SnapshotRecord.objects.filter(version=version, marks__verdict="flagged")
        .prefetch_related(Prefetch("marks", queryset=ReviewMark.objects.select_related("by")))
        .order_by("source", "kind", "date", "record_id")
    )


def flagged_codes(record: AuditRecord | None) -> set:
    if record is None:
        return set()
    return {f["code"] for f in record.findings if f.get("type") == "item"}


def deliveries(record: AuditRecord):
    """The emails that carried the record, with their delivery status."""
    return OutboundEmail.objects.filter(
        dedupe_key__startswith=f"auditrecord:{record.pk}:"
    ).order_by("pk")


def pi_name(alliance) -> str:
    role = (
        AllianceRole.objects.filter(alliance=alliance, role=TeamRole.PI, status=RoleStatus.ACTIVE)
        .select_related("user")
        .first()
    )
    return (role.user.name or role.user.email) if role else ""
