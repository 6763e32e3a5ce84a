"""Queue (or, with --now, run) the checks across alliances: nightly from the system
scheduler, e.g. `15 2 * * * … manage.py run_cross_checks` (docs/deploy.md)."""

from django.core.management.base import BaseCommand, CommandError

from alliances.models import ProgrammeYear
from assurance import runner
from assurance.models import CheckRun
from core import roc


class Command(BaseCommand):
    help = "Check the programme year's filings across alliances (X1–X6) and keep the findings."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="one ROC year (default: this and last)")
        parser.add_argument(
            "--now", action="store_true", help="run here and now instead of in the background"
        )

    def handle(self, *args, year=None, now=False, **options):
        if year is not None:
            years = list(ProgrammeYear.objects.filter(roc_year=year))
            if not years:
                raise CommandError(f"There is no programme year {year}.")
        else:
            current = roc.project_year_of(roc.today())
            years = list(
                ProgrammeYear.objects.filter(roc_year__in=[current - 1, current]).order_by(
                    "roc_year"
                )
            )
        for programme_year in years:
            if now:
                run = CheckRun.objects.create(
                    programme_year=programme_year, trigger=CheckRun.Trigger.NIGHTLY
                )
                n = runner.run_year(run)
                self.stdout.write(f"{programme_year.roc_year}: {n} findings")
            else:
                runner.queue(programme_year, trigger=CheckRun.Trigger.NIGHTLY)
                self.stdout.write(f"{programme_year.roc_year}: queued")
