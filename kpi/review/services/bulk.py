"""The bulk issue of a period's audit records, run in the background."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_office
from alliances.models import ProgrammeYear
from core import audit, roc
from core.tasks import retrying_task
from kpi.filings.models import (
    Filing,
    FilingState,
)
from kpi.filings.services import (
    FilingError,
)
from kpi.ledger import catalog
from kpi.review.models import (
    BulkIssue,
    ReviewMark,
)
from kpi.review.services.base import KPI_KINDS, logger
from kpi.review.services.records import audit_record_issue

# A bulk still queued or running after this long is taken as dead (its worker stopped):
# it no longer blocks a new one.
BULK_STALE_AFTER = dt.timedelta(hours=1)


def reviewed_filings(roc_year: int, period: str):
    """Filings of the period under review whose latest version has every item marked."""
    n_items = len(catalog.ITEMS)
    result = []
    qs = Filing.objects.filter(
        alliance_year__programme_year__roc_year=roc_year,
        kind=period,
        state=FilingState.UNDER_REVIEW,
    ).prefetch_related("versions")
    marked = {}
    for row in (
        ReviewMark.objects.filter(
            record__isnull=True,
            version__filing__in=qs,
        )
        .values_list("version_id", flat=True)
        .order_by()
    ):
        marked[row] = marked.get(row, 0) + 1
    for filing in qs.order_by("alliance_year__alliance__code", "pk"):
        versions = list(filing.versions.all())
        if versions and marked.get(versions[-1].pk, 0) >= n_items:
            result.append(filing)
    return result


@transaction.atomic
def bulk_issue_start(*, roc_year: int, period: str, by, correction_due: dt.date) -> BulkIssue:
    """Queue the issue of every reviewed filing's audit record in the period."""
    if not is_office(by):
        raise FilingError(_("Only the programme office issues audit records."))
    if period not in KPI_KINDS:
        raise FilingError(_("Audit records are issued for KPI filings only."))
    if correction_due is None or correction_due < roc.today():
        raise FilingError(_("The correction deadline cannot be in the past."))
    # One bulk per period at a time: the programme year's row serializes double clicks.
    ProgrammeYear.objects.select_for_update().filter(roc_year=roc_year).first()
    running = BulkIssue.objects.filter(
        roc_year=roc_year,
        period=period,
        status__in=[BulkIssue.Status.QUEUED, BulkIssue.Status.RUNNING],
        created_at__gte=timezone.now() - BULK_STALE_AFTER,
    ).exists()
    if running:
        raise FilingError(_("A bulk issue of this period is already running; wait for it."))
    filings = reviewed_filings(roc_year, period)
    if not filings:
        raise FilingError(
            _("No filing of this period is under review with every item marked; nothing to issue.")
        )
    bulk = BulkIssue.objects.create(
        roc_year=roc_year,
        period=period,
        correction_due=correction_due,
        by=by,
        filing_ids=[f.pk for f in filings],
    )
    audit.record(
        actor=by,
        action="audit_record.bulk_started",
        target=bulk,
        after={"filings": len(filings), "correction_due": correction_due.isoformat()},
    )
    bulk_issue_task.enqueue(bulk.pk)
    return bulk


def _bulk_given_up(bulk_id: int, *, error: Exception) -> None:
    """Its worker died on the last allowed run: the bulk issue stops (what it issued stays;
    the office issues the rest on the filings' pages, or starts another bulk issue)."""
    BulkIssue.objects.filter(
        pk=bulk_id, status__in=[BulkIssue.Status.QUEUED, BulkIssue.Status.RUNNING]
    ).update(status=BulkIssue.Status.FAILED, finished_at=timezone.now())


# A run whose worker died is simply run again: it resumes after the last filing it counted.
@retrying_task(max_attempts=1, on_give_up=_bulk_given_up)
def bulk_issue_task(bulk_id: int) -> str:
    """Issue one record after the other, each in its own transaction, counting progress."""
    bulk = BulkIssue.objects.select_related("by").get(pk=bulk_id)
    if bulk.status == BulkIssue.Status.FINISHED:
        return "finished already"
    BulkIssue.objects.filter(pk=bulk.pk).update(status=BulkIssue.Status.RUNNING)
    try:
        issued, failures = _bulk_run(bulk)
    except Exception:
        BulkIssue.objects.filter(pk=bulk.pk).update(
            status=BulkIssue.Status.FAILED, finished_at=timezone.now()
        )
        raise
    BulkIssue.objects.filter(pk=bulk.pk).update(
        status=BulkIssue.Status.FINISHED, finished_at=timezone.now()
    )
    return f"{len(issued)} issued, {len(failures)} refused"


def _bulk_run(bulk: BulkIssue) -> tuple[list, list]:
    issued, failures = list(bulk.issued), list(bulk.failures)
    done = bulk.done
    for filing_id in bulk.filing_ids[done:]:
        filing = Filing.objects.select_related("alliance_year__alliance").get(pk=filing_id)
        try:
            record = audit_record_issue(
                filing=filing, by=bulk.by, correction_due=bulk.correction_due
            )
        except Exception as error:  # one filing's failure never stops the others
            if not isinstance(error, FilingError):
                logger.exception("bulk issue %s: filing %s failed", bulk.pk, filing_id)
                error = _("An unexpected error; the filing is unchanged. Issue it on its page.")
            failures.append(
                {
                    "filing": filing_id,
                    "alliance": filing.alliance_year.alliance.name,
                    "error": str(error),
                }
            )
        else:
            issued.append(record.pk)
        done += 1
        BulkIssue.objects.filter(pk=bulk.pk).update(done=done, issued=issued, failures=failures)
    return issued, failures
