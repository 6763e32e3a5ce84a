from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import RocDateField
from members.models import EntityType, Firm, MemberKind, Membership
from members.ubn import is_valid_ubn, normalize_ubn


class MembershipForm(forms.Form):
    """A member of one alliance-year. A firm is found by its 統一編號 (or, without Taiwan
    registration, by name and country) and created when new."""

    entered_kind = forms.ChoiceField(
        label=_("Kind of member"), choices=MemberKind.choices, widget=forms.RadioSelect
    )
    ubn = forms.CharField(label=_("UBN"), max_length=8, required=False)
    firm_name = forms.CharField(label=_("Firm name"), max_length=200, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        initial="TW",
        help_text=_("ISO 3166 code, e.g. TW, JP, US"),
    )
    entity_type = forms.ChoiceField(
        label=_("Kind of entity"),
        choices=EntityType.choices,
        initial=EntityType.COMPANY,
        required=False,
    )
    person_name = forms.CharField(
        label=_("Name (individual member)"), max_length=100, required=False
    )
    joined_on = RocDateField(label=_("Joined on"), required=False)
    annual_fee = forms.IntegerField(
        label=_("Agreed annual fee (NT$)"), min_value=0, max_value=10_000_000_000, initial=0
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, alliance_year, instance: Membership | None = None, **kwargs):
        self.alliance_year = alliance_year
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "entered_kind": instance.entered_kind,
                "ubn": instance.firm.ubn if instance.firm_id else "",
                "firm_name": instance.firm.name if instance.firm_id else "",
                "country": instance.firm.country if instance.firm_id else "TW",
                "entity_type": instance.firm.entity_type
                if instance.firm_id
                else EntityType.COMPANY,
                "person_name": instance.person_name,
                "joined_on": instance.joined_on,
                "annual_fee": instance.annual_fee,
                "contact_name": instance.contact_name,
                "contact_email": instance.contact_email,
                "contact_phone": instance.contact_phone,
                "note": instance.note,
            }
        super().__init__(*args, **kwargs)
        self.new_firm = None

    def clean(self):
        data = super().clean()
        kind = data.get("entered_kind")
        if kind == MemberKind.INDIVIDUAL:
            if not data.get("person_name", "").strip():
                self.add_error("person_name", _("Give the individual member's name."))
            data["firm"] = None
            return data
        if not kind:
            return data
        ubn = normalize_ubn(data.get("ubn", ""))
        name = data.get("firm_name", "").strip()
        country = (data.get("country") or "TW").strip().upper()
        entity = data.get("entity_type") or EntityType.COMPANY
        if ubn:
            if not is_valid_ubn(ubn):
                self.add_error("ubn", _("%(value)s: the check digit is wrong.") % {"value": ubn})
                return data
            firm = Firm.objects.filter(ubn=ubn).first()
        elif entity == EntityType.FOREIGN_UNREGISTERED and name:
            firm = Firm.objects.filter(ubn="", name=name, country=country).first()
        else:
            self.add_error(
                "ubn",
                _(
                    "Give the UBN; only a foreign firm without Taiwan registration is "
                    "known by its name and country."
                ),
            )
            return data
        if firm is None:
            if not name:
                self.add_error("firm_name", _("A new firm needs its name."))
                return data
            firm = Firm(name=name, ubn=ubn, country=country, entity_type=entity)
            try:
                firm.full_clean()
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    target = {"name": "firm_name", "entity_type": "entity_type"}.get(field, field)
                    for message in messages:
                        self.add_error(target if target in self.fields else None, message)
                return data
            self.new_firm = firm
        elif firm.merged_into_id:
            firm = firm.merged_into
        clash = Membership.objects.filter(alliance_year=self.alliance_year, firm_id=firm.pk)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if firm.pk and clash.exists():
            self.add_error(
                "ubn", _("This firm is a member of the alliance in this year already (M5).")
            )
        data["firm"] = firm
        return data


class FirmFactsForm(forms.ModelForm):
    class Meta:
        model = Firm
        fields = ["name", "ubn", "country", "entity_type"]


class FirmMergeForm(forms.Form):
    survivor = forms.CharField(
        label=_("Merge into the firm with UBN"),
        max_length=8,
        help_text=_(
            "The duplicate's memberships move to this firm; the duplicate stays on record."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_survivor(self):
        ubn = normalize_ubn(self.cleaned_data["survivor"])
        firm = Firm.objects.filter(ubn=ubn, merged_into=None).first()
        if firm is None:
            raise ValidationError(_("There is no firm with UBN %(value)s.") % {"value": ubn})
        return firm
