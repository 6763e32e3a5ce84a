"""Invitation links: signed, time-limited, and void once used.

The token carries the user's id and a fingerprint of their password and last login, so
setting the password (accepting the invitation) voids it: a link works once.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

SALT = "accounts.invitation"


class InvitationInvalid(Exception):
    """Not a token we made (forged or mangled)."""


class InvitationExpired(Exception):
    """Older than INVITATION_DAYS."""


class InvitationUsed(Exception):
    """The password was set since the link was made."""


def _fingerprint(user: User) -> str:
    value = f"{user.pk}|{user.password}|{user.last_login}|{user.email}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:24]


def make_invitation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT, compress=True)


def user_for_invitation(token: str) -> User:
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.INVITATION_DAYS * 24 * 3600)
    except signing.SignatureExpired as exc:
        raise InvitationExpired from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid from exc
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        raise InvitationInvalid
    if not constant_time_compare(str(data.get("f", "")), _fingerprint(user)):
        raise InvitationUsed
    return user
