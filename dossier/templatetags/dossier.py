"""The link to an alliance-year's dossier, on pages of lower apps (the year's filings),
which do not import this app: `{% load dossier %}{% dossier_link alliance ay %}`."""

from django import template

from reports.permissions import can_have_dossier

register = template.Library()


@register.inclusion_tag("dossier/_link.html", takes_context=True)
def dossier_link(context, alliance, ay):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "show": user is not None and can_have_dossier(user, alliance.pk),
        "alliance": alliance,
        "year": ay.programme_year.roc_year,
    }
