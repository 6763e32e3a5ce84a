"""Load the demo data (demo/loader.py). Safe to run again: the second time it
changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import loader


class Command(BaseCommand):
    help = "Load the demo data and accounts (refused unless DEMO_DATA_ALLOWED is on)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is not allowed here (DEMO_DATA_ALLOWED is off, as in production)."
            )
        created = loader.load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded ({created} new records).")
            if created
            else "Demo data already loaded; nothing changed."
        )
        self.stdout.write(f"Demo logins (password: {loader.DEMO_PASSWORD}):")
        for email, _name, _role, purpose in loader.DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<24} {purpose}")
