from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.workbooks import OPERATOR_LIMITS, Limits, WorkbookError
from workbook_import.engine import run_workbook


class Command(BaseCommand):
    help = (
        "Import a registry workbook (sheets 聯盟, 聯盟年度, 廠商, 成員; docs/import-format.md). "
        "All or nothing; exits non-zero on any error."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check only; save nothing")

    def handle(self, *args, path, dry_run, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            report = run_workbook(
                file.read_bytes(),
                user=None,
                scope="office",
                dry_run=dry_run,
                limit=Limits(**OPERATOR_LIMITS),  # the operator's own file: the whole registry
            )
        except WorkbookError as error:
            raise CommandError(str(error)) from error
        for sheet in report.sheets:
            self.stdout.write(
                f"{sheet.name}: {sheet.new} new, {sheet.changed} changed, "
                f"{sheet.unchanged} unchanged, {len(sheet.errors)} errors"
            )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(report.errors)} errors: nothing was saved.")
        self.stdout.write("Checked; nothing saved (dry run)." if dry_run else "Imported.")
