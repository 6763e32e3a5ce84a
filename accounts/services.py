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
