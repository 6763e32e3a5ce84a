from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import RocDateField
from kpi.ledger.models import (
    MAX_AMOUNT,
    ActivityKind,
    Applicant,
    OutcomeKind,
    PayerKind,
    RevenueKind,
)
from members.models import Firm, Membership
from members.ubn import is_valid_ubn, normalize_ubn


class FirmByUbn(forms.CharField):
    """A firm named by its 統一編號; the firm must be on file (members add firms)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        ubn = normalize_ubn(super().clean(value))
        if not ubn:
            return None
        if not is_valid_ubn(ubn):
            raise forms.ValidationError(_("%(value)s: the check digit is wrong.") % {"value": ubn})
        firm = Firm.objects.filter(ubn=ubn).first()
        if firm is None:
            raise forms.ValidationError(
                _(
                    "No firm with UBN %(value)s is on file; add it as a member first, or "
                    "name the payer below."
                )
                % {"value": ubn}
            )
        return firm.merged_into or firm


class LedgerForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    date = RocDateField(label=_("Date (signing or receipt)"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    change_reason = forms.CharField(
        label=_("Reason for the change (needed once an accepted filing covers the record)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RevenueForm(LedgerForm):
    kind = forms.ChoiceField(label=_("Kind of revenue"), choices=RevenueKind.choices)
    amount = forms.IntegerField(label=_("Amount (NT$)"), min_value=0, max_value=MAX_AMOUNT)
    membership = forms.ModelChoiceField(
        label=_("Member (membership fee)"), queryset=Membership.objects.none(), required=False
    )
    firm = FirmByUbn(label=_("Counterparty firm (UBN)"))
    payer_name = forms.CharField(
        label=_("Payer, if not a firm on file"), max_length=200, required=False
    )
    payer_kind = forms.ChoiceField(
        label=_("Kind of payer (when no firm on file is given)"),
        choices=[("", "—"), *PayerKind.choices],
        required=False,
    )
    freely_usable = forms.BooleanField(
        label=_("The alliance may use this money freely (R3)"), required=False, initial=True
    )
    field_order = [
        "kind",
        "date",
        "amount",
        "membership",
        "firm",
        "payer_name",
        "payer_kind",
        "freely_usable",
        "description",
        "version",
    ]

    def __init__(self, *args, alliance_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = Membership.objects.filter(
            alliance_year=alliance_year
        ).select_related("firm")

    def clean(self):
        data = super().clean()
        if data.get("firm") or data.get("membership"):
            data["payer_kind"] = PayerKind.FIRM
        elif not data.get("payer_kind"):
            self.add_error("payer_kind", _("Say what kind of payer this is (R5)."))
        if data.get("kind") == RevenueKind.MEMBERSHIP_FEE and not data.get("membership"):
            self.add_error("membership", _("A membership fee is received from a member."))
        if data.get("kind") in (
            RevenueKind.TECHNOLOGY_TRANSFER,
            RevenueKind.COLLABORATION,
        ) and not data.get("firm"):
            self.add_error("firm", _("Give the UBN of the counterparty firm (R6, R7)."))
        return data


class OutcomeForm(LedgerForm):
    kind = forms.ChoiceField(label=_("Kind of outcome"), choices=OutcomeKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    firm = FirmByUbn(label=_("For which member firm (UBN)"))
    applicant = forms.ChoiceField(
        label=_("Applicant or holder (patents)"), choices=Applicant.choices
    )
    quantity = forms.IntegerField(
        label=_("Persons (new hires)"), min_value=1, max_value=100_000, initial=1
    )
    amount = forms.IntegerField(
        label=_("Output value increase (NT$)"), min_value=0, max_value=MAX_AMOUNT, initial=0
    )
    field_order = [
        "kind",
        "title",
        "date",
        "firm",
        "applicant",
        "quantity",
        "amount",
        "description",
        "version",
    ]


class ActivityForm(LedgerForm):
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    firm = FirmByUbn(label=_("Member firm (consulting, visits; UBN)"))
    attendees = forms.CharField(
        label=_("Firms that attended (UBN, separated by commas)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_attendees = forms.IntegerField(
        label=_("Other attendees"), min_value=0, max_value=100_000, initial=0
    )
    field_order = [
        "kind",
        "title",
        "date",
        "firm",
        "attendees",
        "other_attendees",
        "description",
        "version",
    ]

    def clean_attendees(self):
        firms = []
        for part in self.cleaned_data["attendees"].replace("，", ",").replace("\n", ",").split(","):
            if part.strip():
                firms.append(FirmByUbn().clean(part))
        return [f.pk for f in firms]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence (PDF, JPEG or PNG, at most 5 MB)"))
