"""Benchmark of the checks across alliances (assurance/, X1–X6) at programme scale on
PostgreSQL: a whole programme year's run, as the background task does it after a
submission and every night.

Run from the repository root, against a database of its own (it is dropped and made anew):

    .venv/bin/python bench/cross_checks.py           # 10 years × 250 alliances × 40 members
    .venv/bin/python bench/cross_checks.py --quick   # 2 × 20 × 5, under a minute

DATABASE_URL names the database (default postgres://alliance@127.0.0.1:5432/
alliance_bench_checks); its name must contain "bench" (or --force) and the role needs
CREATEDB. The data is bench/build.py's (alliances, members, ledgers, accepted filings),
in bulk. It measures twice, on the latest programme year: at 1× after the first year, at
10× after all of them; each time every check's own time, its queries and findings, the
whole run (the findings stored) and its peak Python memory (tracemalloc, a separate run).

The limit judged (issue 28): the whole run at 10× within RUN_LIMIT_SECONDS (a few
minutes). Exit status: 0 pass (always in --quick), 1 the limit failed, 2 refused.
"""

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.reports import (  # noqa: E402
    analyze,
    database_from_env,
    dataset_args,
    dataset_parser,
    fix_path,
    migrate,
    recreate_database,
    setup_django,
)

DEFAULT_URL = "postgres://alliance@127.0.0.1:5432/alliance_bench_checks"
QUICK = {"years": 2, "alliances": 20, "members": 5}
RUN_LIMIT_SECONDS = 180


def measure(roc_year: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alliances.models import ProgrammeYear
    from assurance import runner
    from assurance.checks import all_checks
    from assurance.models import CheckRun

    year = ProgrammeYear.objects.get(roc_year=roc_year)
    checks = {}
    for check in all_checks():
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            found = check.find(year)
        checks[check.ID] = (time.perf_counter() - started, len(queries), len(found))
    started = time.perf_counter()
    n = runner.run_year(CheckRun.objects.create(programme_year=year, trigger="nightly"))
    whole = time.perf_counter() - started
    tracemalloc.start()
    runner.run_year(CheckRun.objects.create(programme_year=year, trigger="nightly"))
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"checks": checks, "run": whole, "findings": n, "peak_mb": peak / 1024 / 1024}


def show(label: str, result: dict) -> None:
    print(
        f"\n{label}: the whole run {result['run']:.1f} s, {result['findings']} findings, "
        f"peak {result['peak_mb']:.0f} MB"
    )
    for check_id, (seconds, queries, found) in result["checks"].items():
        print(f"  {check_id}: {seconds:6.2f} s  {queries:3d} queries  {found:5d} findings")


def main(argv=None) -> int:
    import os

    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    fix_path()
    parser = dataset_parser(
        "Benchmark the checks across alliances on PostgreSQL.",
        "2 years × 20 alliances × 5 members; the limit shown, not enforced",
    )
    parser.add_argument("--repeat", type=int, default=1, help=argparse_help())
    args = dataset_args(parser, argv, QUICK)
    db = database_from_env(args.force)
    started = time.perf_counter()
    print(f"Recreating database {db['NAME']!r} …", flush=True)
    recreate_database(db)
    setup_django()
    migrate()

    from bench.build import Builder
    from bench.build_data import FIRST_YEAR

    first, last = FIRST_YEAR, FIRST_YEAR + args.years - 1
    builder = Builder(
        alliances=args.alliances, members=args.members, seed=args.seed, log=lambda t: None
    )
    print(f"Building 1×: programme year {first} …", flush=True)
    builder.build_year(first)
    analyze()
    one = measure(first)
    show("1×", one)
    print(f"\nBuilding 10×: programme years {first + 1}–{last} …", flush=True)
    for roc_year in range(first + 1, last + 1):
        builder.build_year(roc_year)
    analyze()
    ten = measure(last)
    show("10×", ten)
    ok = ten["run"] <= RUN_LIMIT_SECONDS
    print(
        f"\nThe whole run at 10×: {ten['run']:.1f} s (limit {RUN_LIMIT_SECONDS} s): "
        f"{'PASS' if ok else 'FAIL'}; at 1× {one['run']:.1f} s."
    )
    print(f"Total {time.perf_counter() - started:.0f} s.")
    return 0 if ok or args.quick else 1


def argparse_help() -> str:
    return "unused (kept for the shared argument checks)"


if __name__ == "__main__":
    sys.exit(main())
