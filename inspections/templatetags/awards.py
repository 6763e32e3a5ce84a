"""The published outstanding alliances (績優聯盟, domain.md §5) on the public pages.

{% load awards %}
{% directory_awards %}          the directory's section, by year (newest first)
{% award_badges alliance %}     an alliance's badges on its public page

Each tag runs one query. Templates of alliances/ load these; alliances/ never imports
inspections/ in Python.
"""

from itertools import groupby

from django import template
from django.db.models import Exists, OuterRef, Q, Subquery

from inspections.models import Award
from inspections.selectors import published_awards

register = template.Library()


def _listed():
    """Whether the award's alliance has a page in the directory: the condition of
    alliances.selectors.public_alliances(), as a subquery (no query of its own)."""
    from alliances.models import AllianceYear
    from alliances.selectors import PUBLIC

    latest = AllianceYear.objects.order_by("-programme_year__roc_year").values(
        "programme_year__roc_year"
    )[:1]
    running = Exists(
        AllianceYear.objects.filter(
            alliance=OuterRef("pk"), programme_year__roc_year=Subquery(latest)
        )
    )
    no_years = ~Exists(AllianceYear.objects.filter(alliance=OuterRef("pk")))
    return Exists(
        PUBLIC.filter(pk=OuterRef("visit__alliance_year__alliance_id")).filter(
            Q(running) | Q(no_years)
        )
    )


@register.inclusion_tag("inspections/_directory_awards.html")
def directory_awards():
    """The published awards grouped by programme year, newest first; a link to the
    alliance's page only where the directory has one."""
    awards = published_awards().annotate(listed=_listed())
    years = [
        {"year": year, "awards": list(group)}
        for year, group in groupby(awards, key=lambda a: a.programme_year.roc_year)
    ]
    return {"years": years}


@register.inclusion_tag("inspections/_award_badge.html")
def award_badges(alliance):
    """The alliance's published awards, newest first."""
    awards = []
    if alliance is not None and alliance.pk:
        awards = list(
            Award.objects.filter(
                visit__alliance_year__alliance_id=alliance.pk, published_at__isnull=False
            )
            .select_related("programme_year", "field")
            .order_by("-programme_year__roc_year", "field__order")
        )
    return {"awards": awards}
