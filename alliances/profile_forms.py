from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from alliances.models import Alliance, Field, Service

BANNER_MAX_BYTES = 2 * 1024 * 1024
BANNER_FORMATS = {"PNG", "JPEG", "WEBP"}


def validate_banner(upload) -> None:
    """png, jpg or webp, at most 2 MB — judged by the content, not the file name."""
    if upload.size > BANNER_MAX_BYTES:
        raise ValidationError(_("The banner is larger than 2 MB."))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The banner is not a PNG, JPEG or WebP image.")) from None
    finally:
        upload.seek(0)
    if kind not in BANNER_FORMATS:
        raise ValidationError(_("The banner is not a PNG, JPEG or WebP image."))


class ProfileForm(forms.ModelForm):
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Service.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    banner_upload = forms.FileField(
        label=_("Banner (PNG, JPEG or WebP, at most 2 MB)"), required=False
    )

    class Meta:
        model = Alliance
        fields = [
            "name_zh",
            "name_en",
            "field",
            "institution",
            "team_type",
            "technical_manager",
            "core_technologies",
            "keywords",
            "services",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
            "description",
        ]
        widgets = {
            "core_technologies": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.order_by("order")

    def clean_banner_upload(self):
        upload = self.cleaned_data.get("banner_upload")
        if upload:
            validate_banner(upload)
        return upload

    def proposed_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["field"] = data["field"].pk
        data["services"] = list(data["services"])
        return data
