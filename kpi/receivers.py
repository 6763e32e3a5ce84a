"""Verdicts follow what they depend on: a member's counted kind (M3 may flip a firm) and
the alliance-year's R8 weight. Receivers run in the transaction of the change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from alliances.models import AllianceYear
from kpi.services import recompute_alliance_year
from members.models import Membership


@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def membership_changed(sender, instance, **kwargs):
    if AllianceYear.objects.filter(pk=instance.alliance_year_id).exists():
        recompute_alliance_year(instance.alliance_year)


@receiver(post_save, sender=AllianceYear)
def alliance_year_changed(sender, instance, created, **kwargs):
    if not created:
        recompute_alliance_year(instance)
