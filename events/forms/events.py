"""Forms of the event pages: shape and range; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.models import Field
from core import roc
from core.forms import RocDateField
from events.models import Event
from events.services import outside_programme_year, when_label

ATTENDEE_ROWS = 6


class EventForm(forms.ModelForm):
    """An event as the office keeps it. Dates in ROC or Western form; a date known only to
    its month is entered as the month's first day with "month only"."""

    fields_covered = forms.ModelMultipleChoiceField(
        label=_("Fields (exchange meetings)"),
        queryset=Field.objects.order_by("order"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # Shown only when a date lies outside the programme year (see clean()).
    confirm_outside_year = forms.BooleanField(
        label=_("The date is outside the programme year on purpose"),
        required=False,
        widget=forms.HiddenInput,
    )

    # A change of these asks again whether a date outside the programme year is meant.
    YEAR_DATES = {"programme_year", "date", "date_precision", "registration_deadline"}

    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "programme_year",
            "date",
            "date_precision",
            "starts",
            "ends",
            "venue",
            "address",
            "region",
            "theme",
            "partners",
            "capacity",
            "registration_deadline",
            "description",
        ]
        field_classes = {"date": RocDateField, "registration_deadline": RocDateField}
        widgets = {
            "starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme_year"].empty_label = None
        if self.instance.pk:
            self.fields["fields_covered"].initial = list(
                self.instance.fields.values_list("pk", flat=True)
            )

    def clean(self):
        data = super().clean()
        if data.get("kind") == "exchange" and not data.get("fields_covered"):
            self.add_error(
                "fields_covered", _("A field exchange meeting covers at least one field.")
            )
        deadline, day = data.get("registration_deadline"), data.get("date")
        if deadline and day and deadline > day and data.get("date_precision") == "day":
            self.add_error(
                "registration_deadline", _("Registration closes on or before the event's day.")
            )
        if data.get("date_precision") == "month" and day:
            data["date"] = day.replace(day=1)
        self._check_programme_year(data)
        return data

    def _check_programme_year(self, data):
        """A date outside the event's programme year is refused until the office confirms
        it (the year's first matching meeting may be held in the January before)."""
        if self.instance.pk and not self.YEAR_DATES & set(self.changed_data):
            return  # saved before with these dates: not asked again
        year = data.get("programme_year")
        outside = outside_programme_year(
            year, data.get("date"), data.get("date_precision"), data.get("registration_deadline")
        )
        if not outside:
            return
        confirm = self.fields["confirm_outside_year"]
        confirm.widget = forms.CheckboxInput()
        if data.get("confirm_outside_year"):
            return
        start, end = roc.project_year_bounds(year.roc_year)
        bounds = {
            "year": year.roc_year,
            "start": roc.format_roc_date(start),
            "end": roc.format_roc_date(end),
        }
        if "date" in outside and "date" not in self.errors:
            day = Event(date=data["date"], date_precision=data.get("date_precision") or "day")
            self.add_error(
                "date",
                _(
                    "%(day)s is outside programme year %(year)s (%(start)s–%(end)s); it falls "
                    "in programme year %(other)s."
                )
                % {**bounds, "day": when_label(day), "other": roc.project_year_of(data["date"])},
            )
        if "registration_deadline" in outside and "registration_deadline" not in self.errors:
            deadline = data["registration_deadline"]
            self.add_error(
                "registration_deadline",
                _("%(day)s is outside programme year %(year)s (%(start)s–%(end)s).")
                % {**bounds, "day": roc.format_roc_date(deadline)},
            )
        self.add_error(
            None,
            _(
                "A date is outside programme year %(year)s (%(start)s–%(end)s). Correct the "
                "date or the programme year; if the event does belong to programme year "
                "%(year)s on that date, tick “%(confirm)s” and save again."
            )
            % {**bounds, "confirm": confirm.label},
        )


class RegistrationForm(forms.Form):
    """An alliance's named attendees (one seat each)."""

    alliance = forms.ModelChoiceField(label=_("Alliance"), queryset=None, empty_label=None)

    def __init__(self, *args, alliances, **kwargs):
        super().__init__(*args, **kwargs)
        from alliances.models import Alliance

        self.fields["alliance"].queryset = Alliance.objects.filter(
            pk__in=[a.pk for a in alliances]
        ).order_by("field__order", "code", "name_zh")
        for i in range(ATTENDEE_ROWS):
            self.fields[f"name_{i}"] = forms.CharField(
                label=_("Name of person %(n)s") % {"n": i + 1}, max_length=100, required=False
            )
            self.fields[f"title_{i}"] = forms.CharField(
                label=_("Job title of person %(n)s") % {"n": i + 1},
                max_length=100,
                required=False,
            )
            self.fields[f"email_{i}"] = forms.EmailField(
                label=_("Email of person %(n)s") % {"n": i + 1}, required=False
            )

    def rows(self):
        return [
            (self[f"name_{i}"], self[f"title_{i}"], self[f"email_{i}"])
            for i in range(ATTENDEE_ROWS)
        ]

    def attendees(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "name": data.get(f"name_{i}", ""),
                "title": data.get(f"title_{i}", ""),
                "email": data.get(f"email_{i}", ""),
            }
            for i in range(ATTENDEE_ROWS)
            if (data.get(f"name_{i}") or "").strip()
        ]

    def clean(self):
        data = super().clean()
        for i in range(ATTENDEE_ROWS):
            if not (data.get(f"name_{i}") or "").strip() and (
                data.get(f"email_{i}") or data.get(f"title_{i}")
            ):
                self.add_error(f"name_{i}", _("Give this person's name, or clear the row."))
        return data


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
