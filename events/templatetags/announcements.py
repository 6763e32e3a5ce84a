"""The newest announcements on the dashboard, which lives in a lower app (accounts) that
does not import this one: `{% load announcements %}{% latest_announcements user %}`."""

from django import template

from events.permissions import addressed_to

register = template.Library()

LATEST = 5


@register.inclusion_tag("events/_latest_announcements.html")
def latest_announcements(user):
    """The five newest announcements of the last year addressed to `user` (nothing shown
    when none)."""
    return {"announcements": addressed_to(user, limit=LATEST, within_days=365)}
