from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.permissions import has_mfa, is_office

# What an office account may open before two-factor authentication is set up.
ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/media/")


class OfficeMfaMiddleware:
    """Programme-office accounts set up two-factor authentication (TOTP) before they can
    open any page but the account pages (setting OFFICE_MFA_REQUIRED)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.OFFICE_MFA_REQUIRED
            and is_office(user)
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not has_mfa(user)
        ):
            messages.info(
                request,
                _("Programme-office accounts need two-factor authentication: set it up first."),
            )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"/accounts/2fa/totp/activate/?{query}")
        return self.get_response(request)
