"""Site visits shown on pages of lower apps (the dashboards), which do not import this
app: `{% load visits %}{% alliance_visits alliance %}`, `{% reviewer_visits user %}`."""

from django import template

from inspections import selectors
from inspections.models import VisitStatus

register = template.Library()


@register.inclusion_tag("inspections/_alliance_visits.html", takes_context=True)
def alliance_visits(context, alliance):
    """An alliance's visits for its dashboard (one query)."""
    visits = list(
        selectors.alliance_visits_of([alliance.pk]).exclude(status=VisitStatus.CANCELLED)[:5]
    )
    return {"visits": visits, "request": context.get("request")}


@register.inclusion_tag("inspections/_reviewer_visits.html")
def reviewer_visits(user):
    """A reviewer's assigned visits and the state of their forms (one query)."""
    forms = list(selectors.reviewer_forms(user).exclude(visit__status=VisitStatus.CANCELLED)[:11])
    return {"forms": forms[:10], "more": len(forms) > 10}
