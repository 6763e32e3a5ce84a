from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import ExportKind


class ExportForm(forms.Form):
    """What to export: the kind, the year and the first year of the span (default: the
    five years ending at the year)."""

    kind = forms.ChoiceField(
        label=_("Export"),
        choices=ExportKind.choices,
        error_messages={
            "invalid_choice": _("Choose the summary workbook or the printable report.")
        },
    )
    year = forms.IntegerField(
        label=_("Year"),
        min_value=1,
        max_value=999,
        error_messages={
            "required": _("Say which year to export."),
            "invalid": _("Write the years as numbers, e.g. 102 and 106."),
        },
    )
    first = forms.IntegerField(
        label=_("From year"),
        required=False,
        min_value=1,
        max_value=999,
        error_messages={"invalid": _("Write the years as numbers, e.g. 102 and 106.")},
    )
