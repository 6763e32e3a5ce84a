"""Who is asking: a personal API token (`Authorization: Bearer ap_…`), or the person's own
portal session (so that the documentation page's "Try it out" works in the browser they are
signed in to). Either way the request acts as that person and sees what they see."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.api_tokens import TokenRefused, usable_token
from api.throttling import RefusedTokenThrottle

KEYWORD = "Bearer"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as: Authorization: Bearer <token>.")
            )
        try:
            token = usable_token(header[1])
        except TokenRefused as refused:
            throttle = RefusedTokenThrottle()
            if not throttle.allow_request(request, None):
                raise exceptions.Throttled(throttle.wait()) from refused
            raise exceptions.AuthenticationFailed(str(refused)) from refused
        # Answers (error messages, labels) in the owner's language.
        translation.activate(token.user.preferred_language)
        request._request.LANGUAGE_CODE = translation.get_language()
        return token.user, token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class PortalSessionAuthentication(authentication.SessionAuthentication):
    """The portal's session; office accounts without two-factor authentication never get
    here (accounts.middleware.OfficeMfaMiddleware sends them to set it up)."""
