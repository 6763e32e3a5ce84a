"""Benchmark of the reports (domain.md §7) on PostgreSQL.

Run from the repository root, against a database of its own (it is dropped and made anew):

    DATABASE_URL=postgres://alliance@127.0.0.1:5432/alliance_bench \\
        .venv/bin/python bench/reports.py [--years 10 --alliances 250 --members 40 \\
            --repeat 15 --repeats 5]

    DATABASE_URL=postgres://alliance@127.0.0.1:5432/alliance_bench_quick \\
        .venv/bin/python bench/reports.py --quick      # CI smoke: under a minute

It refuses SQLite, and a database whose name does not contain "bench" unless --force.
The role in DATABASE_URL needs CREATEDB (the database is dropped and created through the
`postgres` maintenance database), then the script migrates it.

What it measures, twice: at 1× after building the first programme year (--alliances
alliance-years with --members members each, their full ledgers and accepted filings, see
bench/build.py), and at 10× after building the other --years - 1 years:

- the field report of the latest year (official figures) as the page computes it:
  reports.selectors.official_field_report (one SQL statement, figures.official_field_table:
  every field with its sums and both years' targets; then the averages and shares), and
  the hand-written SQL below, measured in turn in one loop (report, SQL, then SQL, report,
  …; --repeat pairs a repeat), --repeats times after a warm-up. Each repeat's ratio is the
  median report time ÷ the median SQL time; the figure judged is the median of the
  repeats' ratios, printed with each repeat's ratio and their spread;
- the whole page (/reports/<year>/) through django.test.Client for a department viewer,
  shown beside it with its number of queries: the rest of a request (session, permissions,
  the template, the charts) costs the same whatever the data, and is shown, not judged;
- the same aggregates (alliances, company members, recurring, transfer and collaboration
  revenue per field and in total) in one hand-written SQL query over the newest version of
  each accepted second filing; its totals must equal the field report's, or the script
  stops;
- the Excel export, reports.summary.write_summary: at 1× the one year, at 10× every year
  (first .. latest); wall time (median of --export-repeat runs), peak Python memory
  (tracemalloc, in a separate run: tracing slows Python down) and the file's size.

It prints each figure with its ratios and judges the issue's acceptance limits:

- export peak memory at 10× at most 1.5× the 1× figure;
- the field report (its figures, as above) at most 1.5× the hand-written SQL (at 10×, the
  full dataset; the median of the repeats' ratios).

Exit status: 0 pass (always in --quick, where the limits are shown but not enforced), 1 a
limit failed, 2 refused (bad arguments, not PostgreSQL, not a bench database), 3 the data
or the report is wrong (SQL totals differ, a snapshot differs from kpi.filings.checks.figures, a
page is not 200), 4 reports/summary.py is missing (the export was not measured).
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/reports.py`, bench/ is first on the path, where this file would shadow
# the portal's reports app: the repository root goes there instead (fix_path, for Django).
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.reports_printout import MEMORY_LIMIT, MIB, REPORT_LIMIT, report  # noqa: E402, F401

QUICK = {
    "years": 2,
    "alliances": 20,
    "members": 5,
    "repeat": 2,
    "repeats": 3,
    "export_repeat": 1,
}


class BenchError(Exception):
    """The data or a result is wrong: the benchmark's figures would mean nothing."""


def refuse(message: str):
    print(message, file=sys.stderr)
    raise SystemExit(2)


# --- set-up ------------------------------------------------------------------------------


def dataset_parser(description: str, quick_help: str) -> argparse.ArgumentParser:
    """The arguments every benchmark built on bench/build.py takes: the dataset's size and
    seed, --quick and --force (bench/pages.py shares them)."""
    parser = argparse.ArgumentParser(
        description=description,
        epilog="DATABASE_URL names the database; it is dropped and created anew.",
    )
    parser.add_argument("--years", type=int, default=10, help="programme years (10)")
    parser.add_argument("--alliances", type=int, default=250, help="alliances a year (250)")
    parser.add_argument("--members", type=int, default=40, help="members per alliance (40)")
    parser.add_argument("--seed", type=int, default=2017, help="random seed (2017)")
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument(
        "--force",
        action="store_true",
        help="allow a database whose name does not contain 'bench' (it is dropped!)",
    )
    return parser


def dataset_args(parser, argv, quick: dict) -> argparse.Namespace:
    """Parse, apply the --quick sizes, and refuse a dataset too small to measure."""
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in quick.items():
            setattr(args, key, value)
    if args.years < 2 or args.alliances < 1 or args.members < 1 or args.repeat < 1:
        parser.error("need at least 2 years, 1 alliance, 1 member and 1 run")
    return args


def parse_args(argv=None) -> argparse.Namespace:
    parser = dataset_parser(
        "Benchmark the field report and the Excel export on PostgreSQL.",
        "2 years × 20 alliances × 5 members, 2 runs; limits shown, not enforced",
    )
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per figure (15)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="repeats of the report ÷ SQL loop (5, ≥ 3)"
    )
    parser.add_argument(
        "--export-repeat", type=int, default=3, help="timed export runs per phase (3)"
    )
    args = dataset_args(parser, argv, QUICK)
    if args.repeats < 3:
        parser.error("need at least 3 repeats (--repeats): the median of one says nothing")
    args.export_repeat = max(1, args.export_repeat)
    return args


def database_from_env(force: bool) -> dict:
    """The database of DATABASE_URL, refused unless it is a PostgreSQL bench database."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        refuse(
            "DATABASE_URL is not set. The benchmark runs on PostgreSQL only, e.g.\n"
            "  DATABASE_URL=postgres://alliance@127.0.0.1:5432/alliance_bench "
            ".venv/bin/python bench/reports.py"
        )
    db = dj_database_url.parse(url)
    if "postgresql" not in db["ENGINE"]:
        refuse(
            f"The benchmark runs on PostgreSQL only, not {db['ENGINE']}: SQLite figures say "
            "nothing about production. Set DATABASE_URL=postgres://..."
        )
    if "bench" not in db["NAME"] and not force:
        refuse(
            f"Refusing to use database {db['NAME']!r}: the benchmark drops and recreates its "
            "database, so its name must contain 'bench' (or pass --force if you mean it)."
        )
    return db


def recreate_database(db: dict) -> None:
    """Drop and create the bench database, through the `postgres` maintenance database."""
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            name = sql.Identifier(db["NAME"])
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            cursor.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(name))
    finally:
        connection.close()


def fix_path() -> None:
    """Run as `python bench/reports.py`, Python puts bench/ first on the path, where this
    file would shadow the portal's `reports` app: the repository root goes there instead."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")
    os.environ.setdefault("PORTAL_ENV", "test")
    # DEBUG would keep every query in memory and distort the export's peak memory.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Keep the database connection between requests, as production does (CONN_MAX_AGE=60):
    # the test environment's default (0) would time a new connection on every page.
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def analyze() -> None:
    """Fresh statistics and visibility maps, as autovacuum would give a settled database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- measuring ---------------------------------------------------------------------------


def timed(fn, repeat: int, warmup: int = 1) -> list[float]:
    """Wall times of `fn` in seconds, `repeat` runs after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def summarise(name: str, samples: list[float]) -> dict:
    """The median (the figure judged) and the fastest run (how noisy the machine was)."""
    return {name: statistics.median(samples), f"{name}_min": min(samples)}


def viewer():
    """The benchmarks' department viewer: reads every report, needs no MFA (office accounts
    would, in this PORTAL_ENV) and sees every alliance named."""
    from accounts.models import ProgrammeRole, User

    user, _created = User.objects.get_or_create(
        email="bench-viewer@example.org",
        defaults={"name": "Benchmark viewer", "programme_role": ProgrammeRole.VIEWER},
    )
    return user


def viewer_client():
    """A test client logged in as the department viewer."""
    from django.test import Client

    client = Client()
    client.force_login(viewer())
    return client


def measure_report(client, year: int, repeat: int) -> dict:
    """The whole page through the test client (shown, not judged) and its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("report_fields", args=[year])

    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}, not 200")
        return response

    result = summarise("render", timed(get, repeat))
    with CaptureQueriesContext(connection) as queries:
        get()
    result["queries"] = len(queries)
    return result


def interleaved(year: int, runs: int, repeats: int) -> dict:
    """The field report and the hand-written SQL measured in turn in one loop, so that the
    machine's moods fall on both alike: `repeats` repeats of `runs` pairs (the order
    alternating within a repeat), after a warm-up. Per repeat the ratio of the medians; the
    figure judged is the median of those ratios."""
    from reports import selectors

    def report():
        selectors.official_field_report(year)

    def sql():
        field_sql(year)

    for _ in range(3):
        report()
        sql()
    ratios, report_medians, sql_medians, report_all, sql_all = [], [], [], [], []
    for _repeat in range(repeats):
        samples = {report: [], sql: []}
        for run in range(runs):
            for fn in (report, sql) if run % 2 == 0 else (sql, report):
                gc.collect()
                started = time.perf_counter()
                fn()
                samples[fn].append(time.perf_counter() - started)
        report_medians.append(statistics.median(samples[report]))
        sql_medians.append(statistics.median(samples[sql]))
        ratios.append(report_medians[-1] / sql_medians[-1])
        report_all += samples[report]
        sql_all += samples[sql]
    return {
        "selector": statistics.median(report_medians),
        "selector_min": min(report_all),
        "sql": statistics.median(sql_medians),
        "sql_min": min(sql_all),
        "ratios": ratios,
        "ratio": statistics.median(ratios),
    }


# Per field and in total (GROUPING SETS): the alliance-years with an accepted second filing
# and the sums of what the field report shows, over the newest version of each filing.
FIELD_SQL = """
WITH newest AS (
    SELECT DISTINCT ON (v.filing_id) v.id AS version_id, a.field_id
    FROM {version} v
    JOIN {filing} f ON f.id = v.filing_id
    JOIN {alliance_year} ay ON ay.id = f.alliance_year_id
    JOIN {programme_year} py ON py.id = ay.programme_year_id
    JOIN {alliance} a ON a.id = ay.alliance_id
    WHERE py.roc_year = %(year)s AND f.kind = %(kind)s AND f.state = %(state)s
    ORDER BY v.filing_id, v.number DESC
),
per_version AS (
    SELECT n.field_id,
           SUM(i.counted) FILTER (WHERE i.code = 'M-COMPANY') AS members,
           SUM(i.counted) FILTER (WHERE i.code = 'R-RECURRING') AS recurring,
           SUM(i.counted) FILTER (WHERE i.code = 'R-TRANSFER') AS transfer,
           SUM(i.counted) FILTER (WHERE i.code = 'R-COLLAB') AS collaboration
    FROM newest n
    LEFT JOIN {item} i
      ON i.version_id = n.version_id
     AND i.code IN ('M-COMPANY', 'R-RECURRING', 'R-TRANSFER', 'R-COLLAB')
    GROUP BY n.version_id, n.field_id
)
SELECT fd.id,
       COUNT(p.field_id),
       COALESCE(SUM(p.members), 0),
       COALESCE(SUM(p.recurring), 0),
       COALESCE(SUM(p.transfer), 0),
       COALESCE(SUM(p.collaboration), 0)
FROM {field} fd
LEFT JOIN per_version p ON p.field_id = fd.id
GROUP BY GROUPING SETS ((fd.id, fd."order"), ())
ORDER BY fd."order" NULLS LAST
"""


def field_sql(year: int) -> dict:
    """field id (None: the total) → (alliances, members, recurring, transfer, collaboration)."""
    from django.db import connection

    from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
    from kpi.models import Filing, FilingKind, FilingState, FilingVersion, SnapshotItem

    query = FIELD_SQL.format(
        version=FilingVersion._meta.db_table,
        filing=Filing._meta.db_table,
        alliance_year=AllianceYear._meta.db_table,
        programme_year=ProgrammeYear._meta.db_table,
        alliance=Alliance._meta.db_table,
        item=SnapshotItem._meta.db_table,
        field=Field._meta.db_table,
    )
    params = {"year": year, "kind": FilingKind.SECOND, "state": FilingState.ACCEPTED}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {row[0]: tuple(int(v) for v in row[1:]) for row in cursor.fetchall()}


def verify_sql(year: int, from_sql: dict) -> None:
    """The hand-written SQL and the field report must agree, field by field; so must the
    report's one statement and the report added up in Python from the figures."""
    from reports import figures, selectors

    rows = selectors.official_field_report(year)
    if rows != selectors.field_report(figures.official(year), year):
        raise BenchError("selectors.official_field_report disagrees with the figures themselves")
    report = {
        (row.field.pk if row.field else None): (
            row.alliances,
            row.members,
            row.recurring,
            row.transfer,
            row.collaboration,
        )
        for row in rows
    }
    if report != from_sql:
        lines = [
            f"  field {key}: report {report.get(key)} ≠ SQL {from_sql.get(key)}"
            for key in sorted(set(report) | set(from_sql), key=lambda k: (k is None, k or 0))
            if report.get(key) != from_sql.get(key)
        ]
        raise BenchError(
            "the hand-written SQL disagrees with the field report:\n" + "\n".join(lines)
        )
    if not report[None][0]:
        raise BenchError(f"the field report of {year} shows no alliance")


def measure_export(first: int, year: int, repeat: int, folder: Path) -> dict | None:
    """Time and peak memory of reports.summary.write_summary, or None without it."""
    try:
        from reports.summary import write_summary
    except ImportError as error:
        if getattr(error, "name", None) != "reports.summary":
            raise
        return None
    path = folder / f"summary-{first}-{year}.xlsx"

    def export():
        write_summary(path, year=year, first=first)

    seconds = statistics.median(timed(export, repeat, warmup=0))
    gc.collect()
    tracemalloc.start()
    try:
        export()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"export": seconds, "peak": peak, "size": path.stat().st_size}


def row_counts() -> dict:
    from alliances.models import AllianceYear, ProgrammeYear
    from kpi.models import (
        Activity,
        FilingVersion,
        Outcome,
        RevenueEntry,
        SnapshotItem,
        SnapshotRecord,
    )
    from members.models import Firm, Membership

    return {
        "programme years": ProgrammeYear.objects.count(),
        "alliance-years": AllianceYear.objects.count(),
        "firms": Firm.objects.count(),
        "memberships": Membership.objects.count(),
        "revenue entries": RevenueEntry.objects.count(),
        "outcomes + activities": Outcome.objects.count() + Activity.objects.count(),
        "filing versions": FilingVersion.objects.count(),
        "snapshot items": SnapshotItem.objects.count(),
        "snapshot records": SnapshotRecord.objects.count(),
    }


def measure_phase(name: str, client, first: int, latest: int, args, folder: Path) -> dict:
    from bench.build_filings import check_snapshots

    problems = check_snapshots(latest)
    if problems:
        raise BenchError(
            "stored snapshots differ from kpi.filings.checks.figures:\n  "
            + "\n  ".join(problems[:20])
        )
    print(f"Measuring {name} (report of {latest}, export {first}–{latest}) …", flush=True)
    result = {"rows": row_counts()}
    verify_sql(latest, field_sql(latest))
    result.update(interleaved(latest, args.repeat, args.repeats))
    result.update(measure_report(client, latest, args.repeat))
    export_first = latest if name == "1×" else first
    result["export_years"] = (export_first, latest)
    result["export_result"] = measure_export(export_first, latest, args.export_repeat, folder)
    return result


# --- printing ----------------------------------------------------------------------------


def main(argv=None) -> int:
    fix_path()
    args = parse_args(argv)
    db = database_from_env(args.force)
    started = time.perf_counter()
    print(f"Recreating database {db['NAME']!r} on {db.get('HOST') or 'localhost'} …", flush=True)
    recreate_database(db)
    setup_django()
    migrate()

    from bench.build import Builder
    from bench.build_data import FIRST_YEAR

    first, last = FIRST_YEAR, FIRST_YEAR + args.years - 1
    builder = Builder(
        alliances=args.alliances,
        members=args.members,
        seed=args.seed,
        log=lambda text: print(text, flush=True),
    )
    client = viewer_client()
    phases, build_seconds = {}, {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as folder:
            print(f"Building 1×: programme year {first} …", flush=True)
            build_seconds["1×"] = builder.build_year(first)
            analyze()
            phases["1×"] = measure_phase("1×", client, first, first, args, Path(folder))

            print(f"Building 10×: programme years {first + 1}–{last} …", flush=True)
            build_seconds["10×"] = sum(builder.build_year(y) for y in range(first + 1, last + 1))
            analyze()
            phases["10×"] = measure_phase("10×", client, first, last, args, Path(folder))
    except BenchError as error:
        print(f"\nERROR: {error}", file=sys.stderr)
        return 3
    status = report(args, phases, build_seconds)
    print(f"\nTotal {time.perf_counter() - started:.0f} s; exit status {status}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
