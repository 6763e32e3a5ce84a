"""The office's review of filings (domain.md §4): marks on items, notes, audit records,
reopening, the annual assessment and the bulk issue of a period. Every function is one
transaction that locks the filing row first, writes its audit event and queues its emails.
One module per part: base, marks, records, assessments, bulk.
"""

# ruff: noqa: F401

from kpi.review.services.assessments import (
    assessment_save,
)
from kpi.review.services.base import (
    KPI_KINDS,
    MAX_TEXT,
    RULES,
    StaleMark,
    clean_text,
    last_version,
    logger,
    office_filing,
    unmarked_items,
)
from kpi.review.services.bulk import (
    BULK_STALE_AFTER,
    bulk_issue_start,
    bulk_issue_task,
    reviewed_filings,
)
from kpi.review.services.marks import (
    accept_unmarked,
    filing_note,
    mark_save,
)
from kpi.review.services.records import (
    audit_record_issue,
    filing_reopen,
    findings_of,
)
