"""Personal API tokens: how they look, how long they live, and how one is looked up.

A token reads `ap_<prefix>_<secret>`: the prefix (8 hex characters) is kept in clear to
tell a person's tokens apart on their profile page; the whole token is kept only as its
SHA-256. A slow password hash is not needed: the secret is 256 random bits, which no one
guesses, so a fast hash lets every API request look its token up by one indexed equality
(docs/decisions.md). Making and revoking tokens are services (accounts/services.py).
"""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiToken
from accounts.permissions import has_mfa, is_office

PREFIX = "ap_"
# The lifetimes offered on the profile page, in days; the longest is a year.
LIFETIMES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (365, _("1 year"))]
DEFAULT_LIFETIME = 90
MAX_ACTIVE = 10  # usable tokens per person
# The last-used time is written at most this often per token, not on every request.
TOUCH_EVERY = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(prefix, whole token) of a new token."""
    prefix = secrets.token_hex(4)
    return prefix, f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


class TokenRefused(Exception):
    """The token is unknown, revoked, expired or its owner may not use one now; the
    message says which, in the person's language."""


def owner_may_use(user) -> bool:
    """Office tokens need two-factor authentication set up (as the office's pages do);
    a deactivated account's tokens stop working."""
    return user.is_active and (not is_office(user) or has_mfa(user))


def usable_token(raw: str, *, now=None) -> ApiToken:
    """The usable token for `raw`, its owner loaded; its last-used time brought up to date
    (at most once a minute). Raises TokenRefused."""
    now = now or timezone.now()
    if not raw.startswith(PREFIX) or len(raw) > 100:
        raise TokenRefused(_("This is not an API token of this portal."))
    token = ApiToken.objects.select_related("user").filter(digest=digest_of(raw)).first()
    if token is None:
        raise TokenRefused(_("This API token is unknown: it may have been mistyped."))
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token was revoked; make a new one on your profile page."))
    if token.expires_at <= now:
        raise TokenRefused(_("This API token has expired; make a new one on your profile page."))
    if not owner_may_use(token.user):
        raise TokenRefused(
            _(
                "This API token's account may not use the API now: the account is "
                "deactivated, or it is an office account without two-factor authentication."
            )
        )
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def active_count(user, *, now=None) -> int:
    now = now or timezone.now()
    return ApiToken.objects.filter(user=user, revoked_at=None, expires_at__gt=now).count()
