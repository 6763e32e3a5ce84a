"""A submission queues the year's checks across alliances (after it commits)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from assurance import runner
from assurance.models import CheckRun
from kpi.filings.models import FilingKind, FilingState, FilingTransition


@receiver(post_save, sender=FilingTransition, dispatch_uid="assurance_after_submission")
def checks_after_submission(sender, instance, created, raw=False, **kwargs):
    if raw or not created:
        return
    if instance.to_state not in (FilingState.SUBMITTED, FilingState.RESUBMITTED):
        return
    filing = instance.filing
    if filing.kind == FilingKind.EXPECTED:
        return  # targets: nothing to compare across alliances
    runner.queue(filing.alliance_year.programme_year, trigger=CheckRun.Trigger.SUBMISSION)
