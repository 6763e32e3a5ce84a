"""The review's part of the PI's filing pages (kpi/filings/panels.py): the audit records
with their findings, the office's flags on expected outcomes, the annual assessment.
Registered by kpi/apps.py."""

from kpi.filings.models import FilingKind, FilingState, FindingAnswer
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


def _where(filing) -> tuple[int, int]:
    ay = filing.alliance_year
    return ay.alliance_id, ay.programme_year.roc_year


def filing_panel(filing, versions) -> dict:
    records = []
    if filing.pk:
        records = list(filing.audit_records.select_related("version").order_by("-serial"))
        answers = {}
        if records and any(r.findings for r in records):
            for number, key, text in FindingAnswer.objects.filter(
                version__filing=filing
            ).values_list("record_number", "finding", "answer"):
                answers[number, key] = text
        for record in records:
            record.rows = selectors.with_links(
                selectors.finding_rows(record.findings), *_where(filing)
            )
            for row in record.rows:
                row["answer"] = answers.get((record.number, row["key"]), "")
    office_flags = []
    if versions and filing.kind == FilingKind.EXPECTED and filing.state != FilingState.UNDER_REVIEW:
        # What the office flagged on the expected outcomes, once it has decided.
        office_flags = list(
            ReviewMark.objects.filter(version=versions[-1], verdict="flagged").order_by("pk")
        )
        for mark in office_flags:
            mark.item_label = getattr(catalog.BY_CODE.get(mark.code), "label", "")
    return {"records": records, "office_flags": office_flags}


def open_findings(filing) -> dict | None:
    """The findings a resubmission of this returned filing answers: those of its last
    audit record, if that record is on the last version (a filing reopened after an
    accepted record has none to answer)."""
    if not filing.pk or filing.state != FilingState.RETURNED:
        return None
    record = filing.audit_records.order_by("-serial").first()
    if record is None or not record.findings:
        return None
    last = filing.versions.order_by("-number").values_list("pk", flat=True).first()
    if record.version_id != last:
        return None
    rows = selectors.with_links(selectors.finding_rows(record.findings), *_where(filing))
    return {"number": record.number, "rows": rows}
