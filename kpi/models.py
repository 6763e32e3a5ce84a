"""The KPI app's models, from its three parts (kpi/ledger, kpi/filings, kpi/review), for
Django and for the apps above: code inside kpi imports its own part's models, never this
module (an import through here would run up the layers)."""

# ruff: noqa: F401

from kpi.filings.models import (
    OPEN_STATES,
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
from kpi.ledger.models import (
    MAX_AMOUNT,
    NEVER_REVENUE,
    OPERATING,
    Activity,
    ActivityKind,
    Applicant,
    Evidence,
    LedgerCoverage,
    LedgerRecord,
    Outcome,
    OutcomeKind,
    PayerKind,
    RevenueEntry,
    RevenueKind,
    Verdict,
    evidence_path,
    private_storage,
)
from kpi.review.models import (
    Assessment,
    AssessmentOutcome,
    AuditRecord,
    BulkIssue,
    ImmutableError,
    MarkVerdict,
    ReviewMark,
    audit_record_path,
)
