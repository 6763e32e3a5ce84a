from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import api_tokens
from accounts.models import User


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What it is for"),
        max_length=100,
        help_text=_("For example: the ministry's statistics system. Only you see it."),
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        choices=api_tokens.LIFETIMES,
        coerce=int,
        initial=api_tokens.DEFAULT_LIFETIME,
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of your emails and of the API's answers"),
        choices=User._meta.get_field("preferred_language").choices,
        help_text=_("The pages follow the language switch at the top of each page."),
    )
