"""Verdicts follow what they depend on: a member's counted kind (M3 may flip a firm) and
the alliance-year's R8 weight. Receivers run in the transaction of the change. Evidence
files leave the disk with their records."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from alliances.models import AllianceYear
from core import batching
from kpi.ledger.models import Evidence
from kpi.ledger.services import recompute_alliance_year
from members.models import Membership


def _recompute(alliance_year_id: int) -> None:
    def run():
        alliance_year = AllianceYear.objects.filter(pk=alliance_year_id).first()
        if alliance_year is not None:
            recompute_alliance_year(alliance_year)

    # In a batch (a workbook import) once per alliance-year at its end; otherwise now.
    if not batching.defer(("kpi.recompute", alliance_year_id), run):
        run()


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, **kwargs):
    _recompute(instance.alliance_year_id)


@receiver(post_save, sender=AllianceYear)
def alliance_year_changed(sender, instance, created, **kwargs):
    if not created:
        _recompute(instance.pk)


@receiver(post_delete, sender=Evidence)
def evidence_deleted(sender, instance, **kwargs):
    """Remove the stored file once the deletion is committed (a rolled-back delete keeps
    it)."""
    file = instance.file
    if file:
        transaction.on_commit(lambda: file.storage.delete(file.name))
