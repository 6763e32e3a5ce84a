"""Queue the deadline reminders due today: for every open filing's deadline (extensions and
correction deadlines included, whatever its programme year) and the calendar's duties.
Meant to run hourly from the system scheduler (cron or a systemd timer); running it again,
or on two machines at once, sends nothing twice (kpi/filings/reminders.py)."""

from django.core.management.base import BaseCommand, CommandError

from core import roc
from kpi.filings import reminders


class Command(BaseCommand):
    help = "Queue the filing and calendar reminders due today (idempotent; run hourly)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="act as if today were this day (ROC 107.10.17 or 2018-10-17)"
        )

    def handle(self, *args, **options):
        try:
            today = roc.parse_date(options["date"]) if options.get("date") else None
        except roc.InvalidDate as error:
            raise CommandError(f"--date: not a date: {options['date']}") from error
        queued = reminders.run(today)
        if options["verbosity"] >= 1:
            self.stdout.write(f"{queued} reminder(s) queued.")
