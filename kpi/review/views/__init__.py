"""The office's review pages: the overview of a filing period (with its exports, the bulk
issue and the zip of audit records), the review screen of one filing with its actions, and
an audit record's PDF. The department viewer reads all of it and changes nothing; the
alliance's people reach only their own audit records' PDFs.
"""

# ruff: noqa: F401

from kpi.review.views.actions import (
    review_accept,
    review_accept_rest,
    review_assessment,
    review_issue,
    review_mark,
    review_note,
    review_reopen,
    review_return,
    review_start,
)
from kpi.review.views.filing import (
    audit_record_pdf,
    back_to,
    filing_review,
    office_action,
    refused_page,
)
from kpi.review.views.overview import (
    EXPORT_HEADERS,
    review_bulk,
    review_bulk_start,
    review_home,
    review_overview,
    review_records_zip,
)
