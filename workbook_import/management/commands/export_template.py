from pathlib import Path

from django.core.management.base import BaseCommand

from workbook_import.engine import export_workbook


class Command(BaseCommand):
    help = "Write the blank registry workbook (the import template) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True)

    def handle(self, *args, out, **options):
        Path(out).write_bytes(export_workbook(scope="office", blank=True))
        self.stdout.write(f"Wrote {out}")
