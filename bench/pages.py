"""Benchmark of every main page of each role, and of the PDFs and exports, at programme
scale on PostgreSQL.

Run from the repository root, against a database of its own (it is dropped and made anew):

    .venv/bin/python bench/pages.py            # 10 years × 250 alliances × 40 members
    .venv/bin/python bench/pages.py --quick    # CI smoke: 2 × 20 × 5, under a minute

DATABASE_URL names the database (default postgres://alliance@127.0.0.1:5432/
alliance_bench_pages, with --quick alliance_bench_pages_quick); its name must contain
"bench" (or --force) and the role needs CREATEDB. The script migrates it and builds the
data in bulk: bench/build.py (alliances, members, ledgers, accepted expected outcomes and
second KPI filings, one in ten returned once) and bench/pages_data.py (teams, the office's
review with its audit records, assessments, site visits, events, announcements, emails,
task results; and the year before the first as imported history, items only, so that the
first year has a last year as every later one does: the row counts show it as one more
programme year). Office pages are read as in production: the office account has TOTP set
up (OFFICE_MFA_REQUIRED stays on); DEBUG is off and CONN_MAX_AGE=60 (bench.reports), and
the audit records' stored file goes to a temporary PRIVATE_MEDIA_ROOT.

It measures twice: at 1× after the first programme year, at 10× after all of them. Each
time, on the latest year, for its showcase alliance-year (bench/pages_filings.showcase: the
first by code in phase 2, with a last year, whose second filing was returned once; the
script prints which one):

- every page of bench/pages_list.PAGES as its role reads it (django.test.Client in this
  process): one warm-up, the median of --repeat timed requests (time.perf_counter around
  client.get; the fastest in brackets) and the number of queries of one more request;
- in a fresh child process each (bench/outputs.py), so that the peak resident memory
  (VmHWM) is the work's: the audit-record PDF (kpi.review.pdf.render, median of 5 after a
  first build), the printable report PDF (reports.pdf.render) and the summary workbook
  (reports.summary.write_summary), both over the one year at 1× and every year at 10×.

Judged: the number of queries of each page equal at 1× and 10× (also in --quick: it does
not depend on the machine; tests/test_page_queries.py pins the numbers); at 10× (not in
--quick) the audit-record PDF's median at most 0.5 s and each export's peak RSS at most
1.5× its 1× figure. A page whose median at 10× is over 150 ms is flagged "over 150 ms", a
goal whose causes docs/performance.md writes down, not a failure.

Exit status: 0 pass, 1 a judged figure failed (query counts differ; outside --quick the
PDF's time or an export's memory), 2 refused (bad arguments, not PostgreSQL, not a bench
database), 3 the data or a page is wrong (a page did not answer 200, a child failed).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ first on the path would shadow the reports app
    sys.path.insert(0, str(ROOT))

from bench.reports import (  # noqa: E402
    BenchError,
    analyze,
    database_from_env,
    dataset_args,
    dataset_parser,
    fix_path,
    migrate,
    recreate_database,
    setup_django,
    timed,
)

DEFAULT_URL = "postgres://alliance@127.0.0.1:5432/alliance_bench_pages"
QUICK = {"years": 2, "alliances": 20, "members": 5}


def parse_args(argv=None) -> argparse.Namespace:
    parser = dataset_parser(
        "Time every main page and the PDFs and exports at 1× and 10×.",
        "2 years × 20 alliances × 5 members; time and memory limits not enforced",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per page (5)")
    parser.add_argument("--pdf-repeat", type=int, default=5, help="timed audit PDFs (5)")
    return dataset_args(parser, argv, QUICK)


# --- measuring ---------------------------------------------------------------------------


def measure_pages(scene, repeat: int) -> dict:
    """key → {"median", "min", "queries"} for every page of PAGES."""
    from bench.pages_list import PAGES, PageError, clients, fetch, queries_of

    by_role = clients(scene)
    result = {}
    for page in PAGES:
        client, url = by_role[page.role], page.url(scene)
        try:
            samples = timed(lambda client=client, url=url: fetch(client, url), repeat)
            queries = len(queries_of(client, url))
        except PageError as error:
            raise BenchError(f"{page.key} ({page.role}): {error}") from error
        result[page.key] = {
            "url": url,
            "median": statistics.median(samples),
            "min": min(samples),
            "queries": queries,
        }
    return result


def run_output(item: str, *options) -> dict:
    """Run bench/outputs.py in a child process (this environment) and read its JSON line."""
    command = [sys.executable, "-m", "bench.outputs", item, *map(str, options)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command[2:])} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_outputs(scene, first: int, pdf_repeat: int) -> dict:
    from kpi.review.models import AuditRecord

    record = (
        AuditRecord.objects.filter(
            filing__alliance_year__alliance_id=scene.alliance,
            filing__alliance_year__programme_year__roc_year=scene.year,
        )
        .order_by("serial")
        .values_list("pk", flat=True)
        .first()
    )
    if record is None:
        raise BenchError("the showcase alliance-year has no audit record")
    span = ("--year", scene.year, "--first", first)
    return {
        "audit-pdf": run_output("audit-pdf", "--record", record, "--repeat", pdf_repeat),
        "report-pdf": run_output("report-pdf", *span),
        "summary": run_output("summary", *span),
        "span": (first, scene.year),
    }


def row_counts() -> dict:
    from django_tasks_db.models import DBTaskResult

    from bench.reports import row_counts as ledger_rows
    from core.models import OutboundEmail
    from events.models import Registration
    from inspections.models import SiteVisit
    from kpi.review.models import AuditRecord, ReviewMark

    rows = ledger_rows()
    rows.update(
        {
            "review marks": ReviewMark.objects.count(),
            "audit records": AuditRecord.objects.count(),
            "site visits": SiteVisit.objects.count(),
            "event registrations": Registration.objects.count(),
            "emails": OutboundEmail.objects.count(),
            "task results": DBTaskResult.objects.count(),
        }
    )
    return rows


def measure_phase(name: str, first: int, latest: int, args) -> dict:
    from bench.pages_list import make_scene

    print(f"Measuring {name}: pages of {latest}, exports {first}–{latest} …", flush=True)
    scene = make_scene(first, latest)
    print(f"  showcase: {scene.label}", flush=True)
    return {
        "rows": row_counts(),
        "pages": measure_pages(scene, args.repeat),
        "outputs": measure_outputs(scene, first, args.pdf_repeat),
    }


# --- main --------------------------------------------------------------------------------


def main(argv=None) -> int:
    fix_path()
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL + ("_quick" if args.quick else ""))
    db = database_from_env(args.force)
    started = time.perf_counter()
    print(f"Recreating database {db['NAME']!r} on {db.get('HOST') or 'localhost'} …", flush=True)
    recreate_database(db)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        # The audit records' stored file, for this process and its children.
        os.environ["PRIVATE_MEDIA_ROOT"] = folder
        setup_django()
        migrate()
        return run(args, started)


def run(args, started: float) -> int:
    from bench.build import Builder
    from bench.build_data import FIRST_YEAR
    from bench.pages_data import PagesData
    from bench.pages_printout import report

    first, last = FIRST_YEAR, FIRST_YEAR + args.years - 1

    def log(text):
        print(text, flush=True)

    builder = Builder(alliances=args.alliances, members=args.members, seed=args.seed, log=log)
    extras = PagesData(seed=args.seed, log=log)
    phases, build_seconds = {}, {}

    def build(years) -> float:
        seconds = 0.0
        for year in years:
            seconds += builder.build_year(year)
            if year == first:  # the year before as imported history (bench/pages_data.py)
                seconds += extras.add_history(first - 1)
            seconds += extras.add_year(year)
        return seconds

    try:
        print(f"Building 1×: programme year {first} …", flush=True)
        build_seconds["1×"] = build([first])
        analyze()
        phases["1×"] = measure_phase("1×", first, first, args)
        print(f"Building 10×: programme years {first + 1}–{last} …", flush=True)
        build_seconds["10×"] = build(range(first + 1, last + 1))
        analyze()
        phases["10×"] = measure_phase("10×", first, last, args)
    except BenchError as error:
        print(f"\nERROR: {error}", file=sys.stderr)
        return 3
    status = report(args, phases, build_seconds)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; exit status {status}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
