"""Form fields shared by every app."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from core import roc


class RocDateInput(forms.TextInput):
    """A text box that shows a date in ROC form (107.02.01)."""

    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "placeholder": "107.02.01", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.date):
            return roc.format_roc_date(value)
        return super().format_value(value)


class RocDateField(forms.DateField):
    """Accepts ROC (107.02.01, 107/2/1, 107年2月1日) and ISO (2018-02-01) dates."""

    widget = RocDateInput
    default_error_messages = {
        "invalid": _(
            "Enter a date in ROC form (e.g. 107.02.01) or in Western form (e.g. 2018-02-01)."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return roc.parse_date(value)
        except roc.InvalidDate:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def error_sentence(form) -> str:
    """A form's messages in one sentence, for the message at the top of a page."""
    return "; ".join(str(e) for errs in form.errors.values() for e in errs)
