"""The office's form for an announcement (公告). It checks shape; the services decide
(title and text required, at most 20 MB a file)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from alliances.models import Field
from events.models import Audience


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files (Django docs, "Uploading multiple files"); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, (list, tuple)):
            if not data and self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            result = [single_file_clean(d, initial) for d in data]
        else:
            result = [single_file_clean(data, initial)]
        return [f for f in result if f]


class FieldChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    roles = forms.MultipleChoiceField(
        label=_("To whom"),
        choices=Audience.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None chosen: everyone."),
    )
    fields = FieldChoices(
        label=_("Fields"),
        queryset=Field.objects.order_by("order"),
        required=False,
        help_text=_(
            "None chosen: every field. When fields are chosen, only the people of their "
            "alliances are addressed."
        ),
    )
    files = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("At most 20 MB a file.")
    )
    email_now = forms.BooleanField(label=_("Email it now to the people addressed"), required=False)
