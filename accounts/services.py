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
