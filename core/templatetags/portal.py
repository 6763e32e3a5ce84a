"""Template filters loaded everywhere (a builtin): ROC dates and money.

{{ filing.due|roc_date }}        107.04.15
{{ year.start|roc_year }}        107年 (zh-Hant) / ROC 107 (English)
{{ amount|ntd }}                 NT$1,234,567
{{ amount|kntd }}                1,235   (仟元; say the unit in the header)
{{ names|join_list }}           甲、乙 (zh-Hant) / a, b (English)
{{ labels|join_list:_("view") }} view, then each label
"""

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from core import audit, lists, money, roc

register = template.Library()


@register.filter
def roc_date(value):
    if not isinstance(value, dt.date):
        return value or ""
    return roc.format_roc_date(value)


@register.filter
def roc_datetime(value):
    if not isinstance(value, dt.datetime):
        return roc_date(value)
    return roc.format_roc_datetime(value)


@register.filter
def roc_time(value):
    """<time datetime="2018-02-01">107.02.01</time>: readable and machine-readable."""
    if not isinstance(value, dt.date):
        return value or ""
    iso = value.isoformat()
    text = roc.format_roc_datetime(value) if isinstance(value, dt.datetime) else roc_date(value)
    return format_html('<time datetime="{}">{}</time>', iso, text)


@register.filter
def roc_year(value):
    """107年 / ROC 107, from a date or from an ROC year number."""
    if isinstance(value, dt.date):
        value = roc.roc_year(value)
    if value in (None, ""):
        return ""
    return _("ROC %(year)s") % {"year": value}


@register.filter
def ntd(value):
    return money.format_ntd(value)


@register.filter
def kntd(value):
    return money.format_thousands(value)


@register.filter
def join_list(value, first=None):
    """The items joined as the active language joins a list (core.lists)."""
    return lists.join(value or [], first)


@register.filter
def audit_action(value):
    return audit.action_label(value)


@register.filter
def state_items(value):
    """Key: value pairs of an audit event's before/after, lists joined."""
    if not isinstance(value, dict):
        return []
    return [
        (key, ", ".join(map(str, item)) if isinstance(item, list) else item)
        for key, item in value.items()
    ]


@register.filter
def person(user):
    """A person's name, else their email; "—" for nobody (a deleted user, the system)."""
    if user is None:
        return "—"
    return user.name or user.email
