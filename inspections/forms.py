"""Forms of the site-visit pages. They check shape and range; the services decide."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import ProgrammeRole, User
from alliances.models import AllianceYear
from core.forms import RocDateField
from inspections.models import (
    DEFAULT_AGENDA,
    AffiliationKind,
    AffiliationTie,
    AttendeeKind,
    Recommendation,
    ReviewPoint,
)

AGENDA_ROWS = 6


class PersonChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name or obj.email} <{obj.email}>"


class AllianceYearChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        alliance = obj.alliance
        code = f"{alliance.code} " if alliance.code else ""
        return f"{alliance.field.name_zh} · {code}{alliance.name_zh} ({alliance.institution})"


class VisitForm(forms.Form):
    """Schedule or change a visit: when, where, the agenda and who visits (§5)."""

    alliance_year = AllianceYearChoice(
        label=_("Alliance"), queryset=AllianceYear.objects.none(), empty_label=_("Choose…")
    )
    date = RocDateField(label=_("Date"))
    time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Empty: the alliance's executing institution."),
    )
    reviewers = PersonChoices(
        label=_("Reviewers (three)"), queryset=User.objects.none(), required=False
    )
    staff = PersonChoices(
        label=_("Office and department staff (three or four)"),
        queryset=User.objects.none(),
        required=False,
    )
    override = forms.BooleanField(
        label=_("Assign reviewers despite a conflict of interest"),
        required=False,
        help_text=_(
            "Only where no other reviewer can be found: the reason is recorded with the "
            "assignment and in the audit trail."
        ),
    )
    override_reason = forms.CharField(
        label=_("Why they are assigned anyway"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, programme_year=None, visit=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit = visit
        # The people who may be chosen, and whoever is on the visit already (someone whose
        # role has changed since stays listed, so a change does not drop them unseen).
        assigned = visit.forms.values("reviewer") if visit is not None else []
        on_staff = visit.staff.values("pk") if visit is not None else []
        self.fields["reviewers"].queryset = User.objects.filter(
            Q(is_active=True, programme_role=ProgrammeRole.REVIEWER) | Q(pk__in=assigned)
        ).order_by("name", "email")
        self.fields["staff"].queryset = User.objects.filter(
            Q(is_active=True, programme_role__in=[ProgrammeRole.OFFICE, ProgrammeRole.VIEWER])
            | Q(pk__in=on_staff)
        ).order_by("programme_role", "name", "email")
        if visit is not None:
            del self.fields["alliance_year"]
        else:
            from inspections.models import SiteVisit, VisitStatus

            taken = SiteVisit.objects.exclude(status=VisitStatus.CANCELLED).values("alliance_year")
            self.fields["alliance_year"].queryset = (
                AllianceYear.objects.filter(programme_year=programme_year)
                .exclude(pk__in=taken)
                .select_related("alliance__field")
                .order_by("alliance__field__order", "alliance__code", "alliance__name_zh")
            )
        agenda = (visit.agenda if visit is not None else None) or DEFAULT_AGENDA
        for i in range(AGENDA_ROWS):
            row = agenda[i] if i < len(agenda) else {"item": "", "minutes": None}
            self.fields[f"item_{i}"] = forms.CharField(
                label=_("Agenda item %(n)s") % {"n": i + 1},
                max_length=200,
                required=False,
                initial=row["item"],
            )
            self.fields[f"minutes_{i}"] = forms.IntegerField(
                label=_("Minutes of item %(n)s") % {"n": i + 1},
                min_value=1,
                max_value=480,
                required=False,
                initial=row["minutes"],
                error_messages={
                    "min_value": _("An agenda item lasts at least a minute."),
                    "max_value": _("An agenda item lasts at most 480 minutes."),
                },
            )
        if visit is not None and not self.is_bound:
            local = visit.local_start
            self.initial.update(
                {
                    "date": local.date(),
                    "time": local.time(),
                    "place": visit.place,
                    "reviewers": [f.reviewer_id for f in visit.forms.all()],
                    "staff": [u.pk for u in visit.staff.all()],
                }
            )

    def agenda_rows(self):
        return [(self[f"item_{i}"], self[f"minutes_{i}"]) for i in range(AGENDA_ROWS)]

    def clean(self):
        data = super().clean()
        agenda = []
        for i in range(AGENDA_ROWS):
            item = (data.get(f"item_{i}") or "").strip()
            minutes = data.get(f"minutes_{i}")
            if item and not minutes:
                self.add_error(f"minutes_{i}", _("Give the item's length in minutes."))
            elif minutes and not item:
                self.add_error(f"item_{i}", _("Name the agenda item or clear its minutes."))
            elif item:
                agenda.append({"item": item, "minutes": minutes})
        if not agenda and not self.errors:
            raise forms.ValidationError(_("The agenda needs at least one item."))
        data["agenda"] = agenda
        if data.get("date") and data.get("time"):
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
        reason = (data.get("override_reason") or "").strip()
        if data.get("override") and not reason:
            self.add_error(
                "override_reason", _("Give the reason for assigning despite the conflict.")
            )
        # The reason counts only with the box ticked.
        data["override_reason"] = reason if data.get("override") else ""
        return data


class ReviewFormForm(forms.Form):
    """The reviewer's 實地查訪審查表: a score and a comment per review point (§5)."""

    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label=_("Overall comment"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )

    def __init__(self, *args, low: int, high: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.low, self.high = low, high
        radios = high - low <= 10
        message = _("Scores run from %(low)s to %(high)s.") % {"low": low, "high": high}
        for point, label in ReviewPoint.choices:
            self.fields[f"score_{point}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=low,
                max_value=high,
                widget=forms.RadioSelect(choices=[(n, str(n)) for n in range(low, high + 1)])
                if radios
                else forms.NumberInput(attrs={"min": low, "max": high}),
                error_messages={"min_value": message, "max_value": message, "invalid": message},
            )
            self.fields[f"comment_{point}"] = forms.CharField(
                label=_("Comment on: %(point)s") % {"point": label},
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def points(self):
        return [
            (point, label, self[f"score_{point}"], self[f"comment_{point}"])
            for point, label in ReviewPoint.choices
        ]

    def scores(self) -> dict:
        data = self.cleaned_data
        return {
            point: (data.get(f"score_{point}"), data.get(f"comment_{point}") or "")
            for point in ReviewPoint.values
        }


class AttendeeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Attends as"), choices=AttendeeKind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    firm = forms.CharField(
        label=_("Firm (UBN or name)"),
        max_length=200,
        required=False,
        help_text=_("For member-firm representatives: the firm they represent."),
        widget=forms.TextInput(attrs={"list": "member-firms", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == AttendeeKind.MEMBER and not (data.get("firm") or "").strip():
            self.add_error("firm", _("Name the firm a member-firm representative comes from."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConsolidateForm(forms.Form):
    outcome = forms.ChoiceField(
        label=pgettext_lazy("site visit", "Outcome"),
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Conclusion for the alliance"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ShareForm(forms.Form):
    show_names = forms.BooleanField(
        label=_("Name the reviewers in the summary"),
        required=False,
        help_text=_("Unticked, the alliance reads Reviewer A, B and C."),
    )


class AwardForm(forms.Form):
    visit = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why this alliance (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The second step where the field's published award is to be replaced.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AffiliationForm(forms.Form):
    """An institution or a firm a reviewer is tied to (conflicts of interest)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=AffiliationKind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label=_("Institution, or firm (UBN or name)"),
        max_length=200,
        help_text=_("For a firm, its unified business number (UBN) is surest."),
    )
    tie = forms.ChoiceField(label=_("Tie"), choices=AffiliationTie.choices)


class ConflictForm(forms.Form):
    """A reviewer declares a conflict of interest and withdraws from the visit."""

    description = forms.CharField(
        label=_("The conflict, in a few words"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Describe the conflict in a few words.")},
    )
