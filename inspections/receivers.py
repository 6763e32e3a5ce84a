"""A programme year's site-visit scale is fixed once a score has been given on it: the
scores of one year must stay comparable (the awards rank them). ProgrammeYear lives in a
lower app that does not know of site visits, so the rule is checked here, on save."""

from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from alliances.models import ProgrammeYear
from inspections.models import ReviewScore


@receiver(pre_save, sender=ProgrammeYear)
def keep_scored_scale(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        return
    old = (
        ProgrammeYear.objects.filter(pk=instance.pk)
        .values("visit_score_min", "visit_score_max")
        .first()
    )
    if old is None or (old["visit_score_min"], old["visit_score_max"]) == (
        instance.visit_score_min,
        instance.visit_score_max,
    ):
        return
    scored = ReviewScore.objects.filter(
        form__visit__alliance_year__programme_year_id=instance.pk, score__isnull=False
    ).exists()
    if scored:
        raise ValidationError(
            _(
                "Reviewers have already scored site visits of %(year)s on %(low)s–%(high)s; "
                "the scale can no longer change."
            )
            % {
                "year": instance.roc_year,
                "low": old["visit_score_min"],
                "high": old["visit_score_max"],
            }
        )
