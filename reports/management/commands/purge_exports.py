"""Remove exports past their retention (settings.EXPORT_RETENTION_HOURS) with their files.
Each finished export also purges, so this is for quiet periods: run it hourly from the
system scheduler (make run does)."""

from django.core.management.base import BaseCommand

from reports.services import exports_purge


class Command(BaseCommand):
    help = "Remove expired exports and their files."

    def handle(self, *args, **options):
        gone = exports_purge()
        if options["verbosity"] >= 1:
            self.stdout.write(f"{gone} export(s) removed.")
