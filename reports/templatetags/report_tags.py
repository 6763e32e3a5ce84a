"""A report's figure cell, as a tag rather than an include: the field report has a hundred
of them, and an include costs a template render each."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def figure_cell(context, value, suffix=""):
    """<td class="num">1,495%</td>, linking to the alliances behind it (`drill`, the page's
    drill-down URL, on rows of a field with alliances; none on the total row)."""
    if value is None:
        return mark_safe('<td class="num">—</td>')  # noqa: S308 (a constant)
    text = f"{intcomma(value)}{suffix}"
    row, drill = context.get("row"), context.get("drill")
    if drill and row is not None and row.field and row.alliances:
        href = f"{drill}?source={context['source']}" if context.get("provisional") else drill
        return format_html('<td class="num"><a href="{}">{}</a></td>', href, text)
    return format_html('<td class="num">{}</td>', text)
