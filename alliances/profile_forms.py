import io
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from alliances.models import PROFILE_FIELDS, Alliance, Field, Service

BANNER_MAX_BYTES = 2 * 1024 * 1024
BANNER_FORMATS = {"PNG", "JPEG", "WEBP"}


EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


def validate_banner(upload) -> ContentFile:
    """png, jpg or webp, at most 2 MB — judged by the content, not the file name. Returns
    the image re-encoded under a new name with the extension of its real format: nothing
    of the uploaded bytes or name (a script hidden in a chunk, evil.html) is kept."""
    if upload.size > BANNER_MAX_BYTES:
        raise ValidationError(_("The banner is larger than 2 MB."))
    invalid = ValidationError(_("The banner is not a PNG, JPEG or WebP image."))
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            if kind not in BANNER_FORMATS or image.width * image.height > MAX_PIXELS:
                raise invalid
            image.load()
            clean = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise invalid from None
    finally:
        upload.seek(0)
    if kind == "JPEG" and clean.mode == "RGBA":
        clean = clean.convert("RGB")
    out = io.BytesIO()
    clean.save(out, kind)
    return ContentFile(out.getvalue(), name=f"banner-{uuid.uuid4().hex}.{EXTENSIONS[kind]}")


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
        fields = PROFILE_FIELDS
        widgets = {
            "core_technologies": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.order_by("order")

    def clean_banner_upload(self):
        upload = self.cleaned_data.get("banner_upload")
        return validate_banner(upload) if upload else None

    def proposed_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["field"] = data["field"].pk
        data["services"] = list(data["services"])
        return data
