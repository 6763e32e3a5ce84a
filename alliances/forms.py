from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from alliances.models import Alliance, AllianceRole, Capability, RoleStatus, TeamRole


class AllianceChoiceField(forms.ModelChoiceField):
    default_error_messages = {
        "invalid_choice": _("Choose an alliance from the list."),
    }

    def label_from_instance(self, alliance):
        # Code, name and institution in each option: what the search (server side, and
        # static/js/alliance-search.js in the page) matches.
        pi = getattr(alliance, "pi_name", "") or ""
        parts = [p for p in (alliance.code, alliance.name_zh, alliance.institution) if p]
        if pi:
            parts.append(_("PI: %(name)s") % {"name": pi})
        return " · ".join(str(p) for p in parts)


def alliances_with_pi(query: str = ""):
    """Alliances for the sign-up list, each with its PI's name, narrowed by `query`
    (alliance code, name, English name, institution or the PI's name)."""
    from django.db.models import OuterRef, Subquery

    pi_name = AllianceRole.objects.filter(
        alliance=OuterRef("pk"), role=TeamRole.PI, status=RoleStatus.ACTIVE
    ).values("user__name")[:1]
    qs = (
        Alliance.objects.select_related("field")
        .annotate(pi_name=Subquery(pi_name))
        .order_by("field__order", "name_zh")
    )
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(name_zh__icontains=query)
            | Q(name_en__icontains=query)
            | Q(institution__icontains=query)
            | Q(
                roles__role=TeamRole.PI,
                roles__status=RoleStatus.ACTIVE,
                roles__user__name__icontains=query,
            )
        ).distinct()
    return qs


class AssistantSignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=100)
    email = forms.EmailField(label=_("Email address"), max_length=254)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    alliance = AllianceChoiceField(
        label=_("Alliance"),
        queryset=Alliance.objects.none(),
        empty_label=_("Choose your alliance"),
        # What static/js/alliance-search.js filters: the search box it puts above the list.
        widget=forms.Select(attrs={"data-alliance-search": True}),
    )
    note = forms.CharField(
        label=_("Note to the PI"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are and what you will do for the alliance."),
    )

    def __init__(self, *args, query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alliance"].queryset = alliances_with_pi(query)
        # Validate a posted choice against every alliance, not just the narrowed list.
        if self.is_bound:
            self.fields["alliance"].queryset = alliances_with_pi()
        elif query:
            # A search that finds one alliance chooses it (the list keeps the empty choice).
            found = list(self.fields["alliance"].queryset[:2])
            if len(found) == 1:
                self.initial["alliance"] = found[0].pk

    def clean_email(self):
        # Whether the address has an account already is not said here (no enumeration):
        # the view answers alike and emails the owner (alliances.services).
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            candidate = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class CapabilitiesForm(forms.Form):
    capabilities = forms.MultipleChoiceField(
        label=_("What the assistant may do besides viewing"),
        choices=Capability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for view only."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (emailed to the applicant)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PersonForm(forms.Form):
    """Someone to appoint: an existing account or a new one that is invited."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("Needed when the person has no account yet."),
    )

    def clean(self):
        data = super().clean()
        email = data.get("email")
        if email and not data.get("name") and not User.objects.filter(email__iexact=email).exists():
            self.add_error("name", _("Give the name of the new account holder."))
        return data


class PiAssignForm(PersonForm):
    alliance = forms.ModelChoiceField(
        label=_("Alliance"),
        queryset=Alliance.objects.select_related("field"),
        error_messages={"invalid_choice": _("Choose an alliance from the list.")},
    )
    field_order = ["alliance", "email", "name"]


class HandoverForm(PersonForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WorkbookForm(forms.Form):
    workbook = forms.FileField(
        label=_("Workbook (.xlsx)"),
        help_text=_("Columns: name, email, alliance (its Chinese name). At most 2 MB."),
    )
