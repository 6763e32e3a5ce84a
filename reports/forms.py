from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import REPORT_KINDS, ExportKind


class ExportForm(forms.Form):
    """What to export: the kind and, for a report, the year and the first year of the span
    (default: the five years ending at the year)."""

    kind = forms.ChoiceField(
        label=_("Export"),
        choices=ExportKind.choices,
        error_messages={"invalid_choice": _("Choose one of the exports offered.")},
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1,
        max_value=999,
        error_messages={
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

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") in REPORT_KINDS
            and data.get("year") is None
            and "year" not in self.errors
        ):
            self.add_error("year", _("Say which year to export."))
        return data
