"""The review's part of the PI's filing pages (kpi/filings/panels.py): the audit records
with their findings, the office's flags on expected outcomes, the annual assessment.
Registered by kpi/apps.py."""

from kpi.filings.models import FilingKind, FilingState
from kpi.ledger import catalog
from kpi.review import selectors
from kpi.review.models import Assessment, AuditRecord, ReviewMark


def year_panel(alliance_year) -> dict:
    records = {}
    for record in AuditRecord.objects.filter(filing__alliance_year=alliance_year).order_by(
        "serial"
    ):
        records[record.filing_id] = record  # the last one of each filing
    return {
        "records": records,
        "assessment": Assessment.objects.filter(alliance_year=alliance_year)
        .select_related("decided_by")
        .first(),
    }


def filing_panel(filing, versions) -> dict:
    records = []
    if filing.pk:
        records = list(filing.audit_records.select_related("version").order_by("-serial"))
        for record in records:
            record.rows = selectors.finding_rows(record.findings)
    office_flags = []
    if versions and filing.kind == FilingKind.EXPECTED and filing.state != FilingState.UNDER_REVIEW:
        # What the office flagged on the expected outcomes, once it has decided.
        office_flags = list(
            ReviewMark.objects.filter(version=versions[-1], verdict="flagged").order_by("pk")
        )
        for mark in office_flags:
            mark.item_label = getattr(catalog.BY_CODE.get(mark.code), "label", "")
    return {"records": records, "office_flags": office_flags}
