from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = "Queue the reminders of the events two days away (safe to run repeatedly)."

    def handle(self, *args, **options):
        n = services.send_reminders()
        if options["verbosity"]:
            self.stdout.write(f"{n} event reminders queued or already sent.")
