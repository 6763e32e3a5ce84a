"""One PDF or export measured in a process of its own, so that its peak resident memory
(VmHWM) is the work's and nothing else's; run by bench/pages.py, which reads the one JSON
line it prints:

    .venv/bin/python -m bench.outputs audit-pdf --record 12 [--repeat 5]
    .venv/bin/python -m bench.outputs report-pdf --year 109 --first 100
    .venv/bin/python -m bench.outputs summary --year 109 --first 100

Run from the repository root with the environment of bench/pages.py (DATABASE_URL of its
database, PRIVATE_MEDIA_ROOT; bench.reports.setup_django sets DEBUG off). Items:

- audit-pdf: the audit record's PDF as it is built when the office issues it
  (kpi.review.pdf.render; the page audit_record_pdf then serves the stored bytes): one
  untimed first build (fonts and WeasyPrint load), then --repeat timed builds;
- report-pdf: the printable report (reports.pdf.render) of --year over --first..--year;
- summary: the summary workbook (reports.summary.write_summary), same span.

It prints {"item", "seconds": [...], "first_seconds", "rss_before", "peak", "size"}: the
resident memory after Django's set-up (before the work's own imports) and the peak
(VmHWM) after the work, in bytes. Exit status 0, or 1 with a traceback if the work failed.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path


def status_kib(name: str) -> int:
    """A line of /proc/self/status in bytes (VmRSS, VmHWM); 0 where there is none."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure one PDF or export (bench/pages.py).")
    parser.add_argument("item", choices=["audit-pdf", "report-pdf", "summary"])
    parser.add_argument("--record", type=int, help="the audit record's pk (audit-pdf)")
    parser.add_argument("--year", type=int, help="the report's year")
    parser.add_argument("--first", type=int, help="the first year of the span")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs (1)")
    return parser.parse_args(argv)


def work(args, folder: Path):
    """The function to time, and the path of the file it writes (or None)."""
    if args.item == "audit-pdf":
        from kpi.review import pdf
        from kpi.review.models import AuditRecord

        record = AuditRecord.objects.select_related(
            "filing__alliance_year__alliance", "filing__alliance_year__programme_year", "version"
        ).get(pk=args.record)
        out = folder / "audit-record.pdf"
        return (lambda: out.write_bytes(pdf.render(record))), out
    if args.item == "report-pdf":
        from reports import pdf

        out = folder / "report.pdf"
        return (lambda: out.write_bytes(pdf.render(year=args.year, first=args.first))), out
    from reports.summary import write_summary

    out = folder / "summary.xlsx"
    return (lambda: write_summary(out, year=args.year, first=args.first)), out


def main(argv=None) -> int:
    args = parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench.reports import setup_django

    setup_django()
    rss_before = status_kib("VmRSS")
    with tempfile.TemporaryDirectory(prefix="bench-outputs-") as folder:
        fn, out = work(args, Path(folder))
        started = time.perf_counter()
        fn()
        first = time.perf_counter() - started
        # The audit record's first build is not counted (a worker builds many); an
        # export's is (a worker builds one now and then).
        seconds = [] if args.item == "audit-pdf" else [first]
        while len(seconds) < max(1, args.repeat):
            started = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - started)
        size = out.stat().st_size if out and out.exists() else 0
    print(
        json.dumps(
            {
                "item": args.item,
                "pid": os.getpid(),
                "first_seconds": first,
                "seconds": seconds,
                "rss_before": rss_before,
                "peak": status_kib("VmHWM"),
                "size": size,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
