"""Make a personal API token for an account from the command line (for an integration's
set-up, or the README's example on the demo); the same rules as the profile page."""

from django.core.management.base import BaseCommand, CommandError

from accounts import api_tokens
from accounts.models import User
from accounts.services import TokenNotMade, api_token_create


class Command(BaseCommand):
    help = "Make a personal API token for an account and print it (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="command line")
        parser.add_argument(
            "--days",
            type=int,
            default=api_tokens.DEFAULT_LIFETIME,
            choices=[days for days, _label in api_tokens.LIFETIMES],
        )

    def handle(self, *args, email, name, days, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"There is no account {email}.")
        try:
            token, raw = api_token_create(user=user, name=name, days=days)
        except TokenNotMade as refused:
            raise CommandError(str(refused)) from refused
        self.stderr.write(f"{token} for {user.email}, expires {token.expires_at:%Y-%m-%d}")
        self.stdout.write(raw)
