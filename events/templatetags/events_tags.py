from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from events.services import when_label

register = template.Library()


@register.simple_tag
def event_when(event):
    """107.03.08 14:00–16:00, or 107.05 (day to be fixed)."""
    if event.month_only:
        return format_html(
            '{} <span class="muted">({})</span>', when_label(event), _("day to be fixed")
        )
    return when_label(event)
