"""Running the checks across alliances of a programme year and storing what they find.

A run replaces the year's findings in one transaction (pages never see half a run). It is
queued after each submission and nightly (`manage.py run_cross_checks`), and the office
may start one; a run already queued for the year takes the new request along."""

import logging

from django.db import transaction
from django.utils import timezone

from alliances.models import AllianceYear, ProgrammeYear
from assurance.checks import all_checks
from assurance.models import CheckRun, CrossFinding
from core import audit
from core.tasks import retrying_task

logger = logging.getLogger(__name__)


def run_year(run: CheckRun) -> int:
    """Every check over the run's programme year; the year's findings replaced. Returns
    how many were found."""
    year = ProgrammeYear.objects.get(pk=run.programme_year_id)
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.RUNNING, started_at=timezone.now()
    )
    found = [finding for check in all_checks() for finding in check.find(year)]
    fields = dict(
        AllianceYear.objects.filter(programme_year=year).values_list("pk", "alliance__field_id")
    )
    with transaction.atomic():
        CrossFinding.objects.filter(programme_year=year).delete()
        CrossFinding.objects.bulk_create(
            (
                CrossFinding(
                    programme_year=year,
                    check_id=f.check_id,
                    alliance_year_id=f.alliance_year_id,
                    field_id=fields[f.alliance_year_id],
                    other_alliance_year_id=f.other_alliance_year_id,
                    records=f.records,
                    params=f.params,
                    run=run,
                )
                for f in found
            ),
            batch_size=1000,
        )
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.FINISHED, finished_at=timezone.now(), findings=len(found)
        )
    return len(found)


def queue(programme_year, *, trigger: str, by=None) -> CheckRun:
    """A run of the year's checks in the background; one already queued is reused."""
    with transaction.atomic():
        ProgrammeYear.objects.select_for_update().filter(pk=programme_year.pk).first()
        waiting = CheckRun.objects.filter(
            programme_year=programme_year, status=CheckRun.Status.QUEUED
        ).first()
        if waiting is not None:
            return waiting
        run = CheckRun.objects.create(programme_year=programme_year, trigger=trigger, by=by)
        if by is not None:
            audit.record(
                actor=by,
                action="cross_checks.queued",
                target=run,
                after={"year": programme_year.roc_year, "trigger": trigger},
            )
        transaction.on_commit(lambda: cross_checks_task.enqueue(run.pk))
    return run


def _given_up(run_id: int, *, error: Exception) -> None:
    CheckRun.objects.filter(pk=run_id).update(
        status=CheckRun.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
    )


@retrying_task(max_attempts=2, on_give_up=_given_up)
def cross_checks_task(run_id: int) -> str:
    run = CheckRun.objects.filter(pk=run_id).first()
    if run is None or run.status == CheckRun.Status.FINISHED:
        return "nothing to do"
    n = run_year(run)
    logger.info("cross checks of %s: %d findings", run.programme_year_id, n)
    return f"{n} findings"
