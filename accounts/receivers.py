"""What accounts do when allauth says a password changed: a new password ends every API
token made under the old one (someone who took the account may have made one)."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.dispatch import receiver

from accounts.services import api_tokens_revoke_all


@receiver(password_changed, dispatch_uid="accounts.tokens_on_password_changed")
@receiver(password_set, dispatch_uid="accounts.tokens_on_password_set")
@receiver(password_reset, dispatch_uid="accounts.tokens_on_password_reset")
def revoke_tokens_with_the_old_password(sender, request=None, user=None, **kwargs):
    if user is not None:
        api_tokens_revoke_all(user=user, reason="password changed")
