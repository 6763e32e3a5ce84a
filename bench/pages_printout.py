"""The pages benchmark's printout: the data, one line per page with its verdict, the PDFs
and exports with their peak memory, and the acceptance (bench/pages.py)."""

import statistics

from bench.reports_printout import MIB, machine

PAGE_GOAL = 0.150  # seconds, median at 10× (a goal: flagged, not judged)
AUDIT_PDF_LIMIT = 0.5  # seconds, median at 10×
MEMORY_LIMIT = 1.5  # export peak RSS at 10× ÷ at 1×
OUTPUTS = [
    ("audit-pdf", "audit-record PDF (kpi.review.pdf.render)"),
    ("report-pdf", "printable report PDF (reports.pdf.render)"),
    ("summary", "summary workbook (reports.summary.write_summary)"),
]


def _ratio(a, b) -> str:
    return f"{a / b:.2f}×" if a is not None and b else "—"


def print_pages(one: dict, ten: dict) -> tuple[list, list]:
    """The table of pages; returns the keys whose queries differ and those over the goal."""
    from bench.pages_list import PAGES

    differ, slow = [], []
    print(
        f"  {'page':<24} {'role':<7} {'1× ms':>14} {'10× ms':>14} {'10×÷1×':>7}"
        f" {'queries 1×':>11} {'10×':>5}  verdict"
    )
    for page in PAGES:
        a, b = one[page.key], ten[page.key]
        verdict = []
        if a["queries"] != b["queries"]:
            differ.append(page.key)
            verdict.append("FAIL: queries differ")
        if b["median"] > PAGE_GOAL:
            slow.append(page.key)
            verdict.append(f"over {PAGE_GOAL * 1000:.0f} ms")
        print(
            f"  {page.key:<24} {page.role:<7}"
            f" {f'{a["median"] * 1000:.1f} ({a["min"] * 1000:.1f})':>14}"
            f" {f'{b["median"] * 1000:.1f} ({b["min"] * 1000:.1f})':>14}"
            f" {_ratio(b['median'], a['median']):>7} {a['queries']:>11} {b['queries']:>5}"
            f"  {'; '.join(verdict) or 'ok'}"
        )
    return differ, slow


def print_outputs(one: dict, ten: dict) -> None:
    def line(label, a, b, ratio=""):
        print(f"  {label:<58} {a:>14} {b:>14} {ratio:>8}")

    line("", "1×", "10×", "10×÷1×")
    line(
        "span of the report PDF and the workbook",
        "{}–{}".format(*one["span"]),
        "{}–{}".format(*ten["span"]),
    )
    for item, label in OUTPUTS:
        a, b = one[item], ten[item]
        ma, mb = statistics.median(a["seconds"]), statistics.median(b["seconds"])
        runs = f"median of {len(a['seconds'])}" if len(a["seconds"]) > 1 else "one run"
        print(f"  {label}")
        line(f"    time, s ({runs})", f"{ma:.3f}", f"{mb:.3f}", _ratio(mb, ma))
        if item == "audit-pdf":
            line(
                "    first build, s (fonts loaded)",
                f"{a['first_seconds']:.3f}",
                f"{b['first_seconds']:.3f}",
            )
        line(
            "    peak RSS (VmHWM), MiB",
            f"{a['peak'] / MIB:.1f}",
            f"{b['peak'] / MIB:.1f}",
            _ratio(b["peak"], a["peak"]),
        )
        line(
            "    RSS after Django's set-up → increase to the peak, MiB",
            f"{a['rss_before'] / MIB:.0f} +{(a['peak'] - a['rss_before']) / MIB:.1f}",
            f"{b['rss_before'] / MIB:.0f} +{(b['peak'] - b['rss_before']) / MIB:.1f}",
        )
        line("    file size, KiB", f"{a['size'] / 1024:,.0f}", f"{b['size'] / 1024:,.0f}")


def report(args, phases: dict, build_seconds: dict) -> int:
    one, ten = phases["1×"], phases["10×"]
    print()
    print(
        "Pages benchmark" + ("  (quick: time and memory limits not enforced)" if args.quick else "")
    )
    print(f"  machine: {machine()}")
    print(
        f"  dataset: {args.years} years × {args.alliances} alliances × {args.members} members,"
        f" seed {args.seed}; build {build_seconds['1×']:.1f} s (1×) + "
        f"{build_seconds['10×']:.1f} s (rest) = {sum(build_seconds.values()):.1f} s"
    )
    print()
    print(f"  {'':<28} {'1×':>10} {'10×':>10}")
    for key in one["rows"]:
        print(f"  {key:<28} {one['rows'][key]:>10,} {ten['rows'][key]:>10,}")
    print()
    print(
        f"  Pages: median of {args.repeat} requests after a warm-up, ms (fastest in brackets);"
        " queries of one request."
    )
    differ, slow = print_pages(one["pages"], ten["pages"])
    print()
    print("  PDFs and exports, each in a process of its own (bench/outputs.py):")
    print_outputs(one["outputs"], ten["outputs"])
    print()

    a, b = one["outputs"], ten["outputs"]
    pdf = statistics.median(b["audit-pdf"]["seconds"])
    verdicts = [
        (
            f"queries equal at 1× and 10× on every page ({len(one['pages']) - len(differ)} of "
            f"{len(one['pages'])})" + (f"; differ: {', '.join(differ)}" if differ else ""),
            not differ,
            True,
        ),
        (
            f"audit-record PDF at 10× {pdf:.3f} s (limit {AUDIT_PDF_LIMIT} s)",
            pdf <= AUDIT_PDF_LIMIT,
            False,
        ),
    ]
    for item in ("summary", "report-pdf"):
        ratio = b[item]["peak"] / a[item]["peak"] if a[item]["peak"] else None
        verdicts.append(
            (
                f"{dict(OUTPUTS)[item].split(' (')[0]} peak RSS 10× ÷ 1× = "
                f"{_ratio(b[item]['peak'], a[item]['peak'])} (limit {MEMORY_LIMIT:g}×)",
                ratio is not None and ratio <= MEMORY_LIMIT,
                False,
            )
        )
    print("Acceptance" + (" (time and memory not enforced in --quick)" if args.quick else ""))
    for text, ok, _always in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    if slow:
        print(
            f"  ----  over the {PAGE_GOAL * 1000:.0f} ms goal at 10× (causes in the docs): "
            + ", ".join(slow)
        )
    else:
        print(f"  ----  every page's median at 10× within the {PAGE_GOAL * 1000:.0f} ms goal")
    judged = [ok for _text, ok, always in verdicts if always or not args.quick]
    return 0 if all(judged) else 1
