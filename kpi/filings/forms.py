"""Forms of the filing pages: targets, certification, the office's extension."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import RocDateField
from kpi.filings.models import MAX_ANSWER
from kpi.filings.services import MAX_TARGET, STATEMENT
from kpi.ledger import catalog

UNIT_HELP = {
    "ntd": _("NT$"),
    "firms": _("firms"),
    "people": _("people"),
    "cases": _("cases"),
    "events": _("events"),
}


class TargetsForm(forms.Form):
    """A target for every catalog item that is not computed from others."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item in catalog.TARGETED:
            self.fields[item.code] = forms.IntegerField(
                label=f"{item.label} ({item.code})",
                min_value=0,
                max_value=MAX_TARGET,
                required=True,
                help_text=f"{UNIT_HELP.get(item.unit, '')} · {item.rules}",
                error_messages={
                    "required": _("Enter a target (0 if none is planned)."),
                    "invalid": _("Enter a whole number."),
                    "min_value": _("A target cannot be negative."),
                },
            )

    def targets(self) -> dict:
        return {item.code: self.cleaned_data.get(item.code) for item in catalog.TARGETED}


class CertifyForm(forms.Form):
    confirm = forms.BooleanField(
        label=STATEMENT,
        label_suffix="",  # the statement is a sentence ending in 。, not a field name
        required=True,
        error_messages={"required": _("Tick the statement to certify the filing.")},
    )
    name = forms.CharField(
        label=_("Your name, as your signature"),
        max_length=100,
        error_messages={"required": _("Type your name to certify the filing.")},
    )


class ExtensionForm(forms.Form):
    until = RocDateField(label=_("Submission allowed until (end of that day, Taiwan time)"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the extension.")},
    )


class AnswersForm(forms.Form):
    """The PI's answer to each finding of the audit record the filing was returned with
    (panels.open_findings): required, a line or two."""

    def __init__(self, *args, found=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.found = found
        for row in (found or {}).get("rows", []):
            self.fields[f"answer_{row['n']}"] = forms.CharField(
                label=_("Answer to finding #%(n)s (%(subject)s)")
                % {"n": row["n"], "subject": row["subject"]},
                max_length=MAX_ANSWER,
                help_text=row["reason"],
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_ANSWER}),
                error_messages={
                    "required": _("Say what you corrected, or why nothing needed correcting.")
                },
            )

    def pairs(self) -> list:
        """(finding row, its answer field) for the page."""
        return [(row, self[f"answer_{row['n']}"]) for row in (self.found or {}).get("rows", [])]

    def answers(self) -> dict:
        """{finding key: answer} for the service."""
        return {
            row["key"]: self.cleaned_data.get(f"answer_{row['n']}", "")
            for row in (self.found or {}).get("rows", [])
        }
