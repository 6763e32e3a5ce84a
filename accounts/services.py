"""State changes for accounts. Views, commands and tests create people only through here."""

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts.models import ProgrammeRole, User


@transaction.atomic
def user_create(
    *,
    email: str,
    name: str = "",
    password: str | None = None,
    programme_role: str = ProgrammeRole.NONE,
    email_verified: bool = True,
) -> User:
    """Create an account whose address counts as verified when the office vouches for it
    (issued accounts, invitations); self-registration passes email_verified=False."""
    user = User.objects.create_user(
        email=email, password=password, name=name, programme_role=programme_role
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    """The invited person sets their password; their address is thereby verified."""
    from core import audit

    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    audit.record(actor=user, action="account.invitation_accepted", target=user)
    return user


class TokenNotMade(Exception):
    """Why a token was not made, in the person's language."""


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int) -> tuple:
    """A new personal API token: (the stored token, the token itself, to show once)."""
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import gettext as _

    from accounts import api_tokens
    from accounts.models import ApiToken
    from core import audit

    user = User.objects.select_for_update().get(pk=user.pk)  # one maker at a time
    if not api_tokens.owner_may_use(user):
        raise TokenNotMade(
            _("Set up two-factor authentication first: office accounts need it for API tokens.")
        )
    if days not in dict(api_tokens.LIFETIMES):
        raise TokenNotMade(_("Choose one of the lifetimes offered."))
    if api_tokens.active_count(user) >= api_tokens.MAX_ACTIVE:
        raise TokenNotMade(
            _("You have %(n)s usable tokens, the most there may be: revoke one first.")
            % {"n": api_tokens.MAX_ACTIVE}
        )
    prefix, raw = api_tokens.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=prefix,
        digest=api_tokens.digest_of(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(
        actor=user,
        action="api_token.created",
        target=token,
        after={"prefix": prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int):
    """Revoke one of the user's own tokens (None if it is not theirs or already revoked)."""
    from django.utils import timezone

    from accounts.models import ApiToken
    from core import audit

    token = (
        ApiToken.objects.select_for_update().filter(pk=token_id, user=user, revoked_at=None).first()
    )
    if token is None:
        return None
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=user, action="api_token.revoked", target=token, before={"prefix": token.prefix}
    )
    return token


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """The language of the person's emails and API answers (the pages follow the switch)."""
    from core import audit

    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.preferred_language
    if before != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
        audit.record(
            actor=user,
            action="account.language_set",
            target=user,
            before={"language": before},
            after={"language": language},
        )
    return user


@transaction.atomic
def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every usable token of the user (their password changed or was reset)."""
    from django.utils import timezone

    from accounts.models import ApiToken
    from core import audit

    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at=None))
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=user,
            action="api_token.revoked",
            target=token,
            before={"prefix": token.prefix},
            reason=reason,
        )
    return len(tokens)
