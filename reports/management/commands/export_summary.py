"""Write a year's summary workbook (reports/summary.py) to a file, e.g. for the department
or a scheduled job: `python manage.py export_summary --year 106 --out summary-106.xlsx`;
the fee-band and trend sheets span --from-year..--year (default: the five years ending at
--year)."""

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.summary import SpanError, write_summary


class Command(BaseCommand):
    help = "Write the summary workbook (.xlsx) of a programme year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="the ROC year, e.g. 106")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument(
            "--from-year",
            type=int,
            dest="first",
            help="first year of the fee bands and the trend (default: year − 4)",
        )

    def handle(self, *args, year, out, first, **options):
        target = Path(out)
        if target.suffix.lower() != ".xlsx":
            raise CommandError("--out: give a file name ending in .xlsx")
        if not target.parent.is_dir():
            raise CommandError(f"--out: the folder {target.parent} does not exist")
        verbose = options["verbosity"] >= 1

        def progress(done, total):
            if verbose:
                sys.stderr.write(f"\r{done}/{total}")

        # Written beside the target and renamed: a failed run leaves no half-written file.
        fd, partial = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
        os.close(fd)
        try:
            summary = write_summary(partial, year=year, first=first, progress=progress)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)  # mkstemp's file is private; the result is not
            os.replace(partial, target)
        except SpanError as error:
            raise CommandError(str(error)) from error
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        if verbose:
            sys.stderr.write("\n")
            self.stdout.write(
                f"{target}: {summary.year}, fee bands and trend {summary.first}–{summary.year}, "
                f"{summary.alliance_years} alliance-year(s)."
            )
