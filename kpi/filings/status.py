"""One vocabulary for where a filing stands (issue 27): its workflow state (draft,
submitted, under review, returned, resubmitted, accepted) read two ways more where the
office needs them — "not started" (a draft nobody has put anything into) and "overdue"
(still with the alliance after its deadline, extension or correction deadline). The review
overview, the filing pages, the year's filings, the review export and the API all say a
filing's status with status() and label(), so that one filing reads the same everywhere.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from alliances.models import AllianceYear
from kpi.filings.models import Filing, FilingKind, FilingState
from kpi.ledger.models import Activity, Outcome, RevenueEntry

NOT_STARTED, OVERDUE = "not_started", "overdue"
LABELS = {
    NOT_STARTED: _("Not started"),
    **{s.value: s.label for s in FilingState},
    OVERDUE: _("Overdue"),
}
ORDER = [
    NOT_STARTED,
    FilingState.DRAFT,
    OVERDUE,
    FilingState.SUBMITTED,
    FilingState.UNDER_REVIEW,
    FilingState.RETURNED,
    FilingState.RESUBMITTED,
    FilingState.ACCEPTED,
]


def status(filing: Filing, *, submitted_before: bool, started: bool, passed: bool) -> str:
    """The filing's status: its state, a draft never submitted and with nothing in it "not
    started", and one still with the alliance after its deadline "overdue"."""
    state = filing.state
    if state == FilingState.DRAFT and not submitted_before and not started:
        state = NOT_STARTED
    if state in (NOT_STARTED, FilingState.DRAFT, FilingState.RETURNED) and passed:
        state = OVERDUE
    return state


def label(value: str) -> str:
    return str(LABELS[value])


def has_records() -> Exists:
    """An annotation for alliance-years: anything in the ledger (a KPI filing is started)."""
    return (
        Exists(RevenueEntry.objects.filter(alliance_year=OuterRef("pk")))
        | Exists(Outcome.objects.filter(alliance_year=OuterRef("pk")))
        | Exists(Activity.objects.filter(alliance_year=OuterRef("pk")))
    )


def with_records(alliance_year_ids) -> set[int]:
    """The alliance-years (of those given) with anything in the ledger, in one query."""
    return set(
        AllianceYear.objects.filter(pk__in=list(alliance_year_ids))
        .annotate(started=has_records())
        .filter(started=True)
        .values_list("pk", flat=True)
    )


def started(filing: Filing, ledger_started: bool) -> bool:
    """Expected outcomes are started once targets are entered; a KPI filing once the
    alliance-year's ledger holds a record."""
    if filing.kind == FilingKind.EXPECTED:
        return bool(filing.targets)
    return ledger_started


def of_filing(filing: Filing, ay, deadline, *, submitted_before=None, ledger=None) -> str:
    """status() of one filing of `ay` with its deadline (calendar.deadline); what is not
    given is read: whether it was ever submitted (a query) and whether the ledger holds a
    record (a query, for a KPI filing)."""
    if submitted_before is None:
        submitted_before = bool(filing.pk) and filing.versions.exists()
    if ledger is None:
        ledger = filing.kind != FilingKind.EXPECTED and bool(with_records([ay.pk]))
    return status(
        filing,
        submitted_before=submitted_before,
        started=started(filing, ledger),
        passed=deadline.passed(),
    )
