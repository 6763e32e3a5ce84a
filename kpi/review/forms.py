"""Forms of the office's review pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import roc
from core.forms import RocDateField
from kpi.review.models import AssessmentOutcome, MarkVerdict
from kpi.review.services import MAX_TEXT, RULES


class MarkForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=MarkVerdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose accept or flag.")},
    )
    rule = forms.ChoiceField(
        label=_("Rule broken"), choices=[("", "—"), *((r, r) for r in RULES)], required=False
    )
    reason = forms.CharField(
        label=_("Reason, for the alliance"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Internal note (office only)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    code = forms.CharField(required=False, widget=forms.HiddenInput)
    record = forms.IntegerField(required=False, widget=forms.HiddenInput)
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("verdict") == MarkVerdict.FLAGGED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A flag needs a reason the alliance can act on."))
        return data


class ProposedDue:
    """A form whose correction_due starts at the date proposed now
    (kpi.filings.calendar.correction_proposal) and whose help text says why that date."""

    def __init__(self, *args, proposal=None, **kwargs):
        super().__init__(*args, **kwargs)
        if proposal is not None:
            field = self.fields["correction_due"]
            field.initial = proposal.due
            proposed = _("Proposed: %(date)s, %(why)s") % {
                "date": roc.format_roc_date(proposal.due),
                "why": proposal.why,
            }
            field.help_text = f"{field.help_text} {proposed}" if field.help_text else proposed


class IssueForm(ProposedDue, forms.Form):
    correction_due = RocDateField(
        label=_("Corrections due (end of that day, Taiwan time)"),
        required=False,
        help_text=_("Used only if there are findings."),
    )


class ReturnForm(ProposedDue, forms.Form):
    comment = forms.CharField(
        label=_("What the alliance must revise"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what the alliance must correct.")},
    )
    correction_due = RocDateField(label=_("Revisions due"), required=False)


class AcceptForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), max_length=MAX_TEXT, required=False)


class ReopenForm(ProposedDue, forms.Form):
    reason = forms.CharField(
        label=_("Why the accepted filing is reopened"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the accepted filing is reopened.")},
    )
    correction_due = RocDateField(
        label=_("Corrections due"),
        error_messages={"required": _("Give the alliance a correction deadline.")},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the note first.")},
    )
    internal = forms.BooleanField(
        label=_("Internal (the alliance does not see it)"), required=False, initial=True
    )


class AssessmentForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=AssessmentOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the outcome of the assessment.")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reasons for the assessment.")},
    )
    conditions = forms.CharField(
        label=_("Conditions (for “continue with conditions”)"),
        max_length=MAX_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkIssueForm(ProposedDue, forms.Form):
    correction_due = RocDateField(label=_("Corrections due for records with findings"))
