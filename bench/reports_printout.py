"""The reports benchmark's printout: the machine, each figure beside its limit, the ratios
(bench/reports.py)."""

import os
import platform

REPORT_LIMIT = 1.5  # field report ÷ hand-written SQL, the median of the repeats' ratios
MEMORY_LIMIT = 1.5  # export peak memory at 10× ÷ at 1×
MIB = 1024 * 1024


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f", {kib / MIB:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"PostgreSQL {pg}, {platform.system()} {platform.machine()}"
    )


def _ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def report(args, phases: dict, build_seconds: dict) -> int:
    one, ten = phases["1×"], phases["10×"]
    e1, e10 = one["export_result"], ten["export_result"]
    width = 48

    def line(label, a, b, ratio=""):
        print(f"  {label:<{width}} {a:>14} {b:>14} {ratio:>10}")

    print()
    print("Reports benchmark" + ("  (quick: limits not enforced)" if args.quick else ""))
    print(f"  machine: {machine()}")
    print(
        f"  dataset: {args.years} years × {args.alliances} alliances × {args.members} members,"
        f" seed {args.seed}; build {build_seconds['1×']:.1f} s (1×) + "
        f"{build_seconds['10×']:.1f} s (rest) = {sum(build_seconds.values()):.1f} s"
    )
    print()
    line("", "1×", "10×", "10× ÷ 1×")
    for key in one["rows"]:
        line(key, f"{one['rows'][key]:,}", f"{ten['rows'][key]:,}")
    print()

    def ms(phase, key, places=1):
        return f"{phase[key] * 1000:.{places}f} ({phase[key + '_min'] * 1000:.{places}f})"

    print(
        f"  Times: the field report and the hand-written SQL in turn, {args.repeats} repeats "
        f"of {args.repeat} pairs after a warm-up: the median of the repeats' medians "
        "(fastest run in brackets); the page: median of "
        f"{args.repeat} runs."
    )
    line(
        "field report (one statement + rows), ms",
        ms(one, "selector", 2),
        ms(ten, "selector", 2),
        _fmt_ratio(_ratio(ten["selector"], one["selector"])),
    )
    line(
        "hand-written SQL, ms",
        ms(one, "sql", 2),
        ms(ten, "sql", 2),
        _fmt_ratio(_ratio(ten["sql"], one["sql"])),
    )
    line(
        f"field report ÷ SQL, median (limit {REPORT_LIMIT:g}×)",
        _fmt_ratio(one["ratio"]),
        _fmt_ratio(ten["ratio"]),
    )
    line(
        "  spread of the repeats' ratios",
        "{:.2f}–{:.2f}".format(min(one["ratios"]), max(one["ratios"])),
        "{:.2f}–{:.2f}".format(min(ten["ratios"]), max(ten["ratios"])),
    )
    for n, (a, b) in enumerate(zip(one["ratios"], ten["ratios"], strict=True), start=1):
        line(f"    repeat {n}", f"{a:.3f}×", f"{b:.3f}×")
    line(
        "whole page /reports/<year>/, ms",
        ms(one, "render"),
        ms(ten, "render"),
        _fmt_ratio(_ratio(ten["render"], one["render"])),
    )
    line("  queries per page", one["queries"], ten["queries"])
    line(
        "  page ÷ SQL (shown, not judged)",
        _fmt_ratio(_ratio(one["render"], one["sql"])),
        _fmt_ratio(_ratio(ten["render"], ten["sql"])),
    )
    if e1 and e10:
        line(
            "Excel export years",
            "{}–{}".format(*one["export_years"]),
            "{}–{}".format(*ten["export_years"]),
        )
        line(
            f"Excel export time, s (median of {args.export_repeat})",
            f"{e1['export']:.2f}",
            f"{e10['export']:.2f}",
            _fmt_ratio(_ratio(e10["export"], e1["export"])),
        )
        line(
            "Excel export peak memory, MiB (limit 1.5×)",
            f"{e1['peak'] / MIB:.1f}",
            f"{e10['peak'] / MIB:.1f}",
            _fmt_ratio(_ratio(e10["peak"], e1["peak"])),
        )
        line(
            "Excel export file size, KiB",
            f"{e1['size'] / 1024:,.0f}",
            f"{e10['size'] / 1024:,.0f}",
            _fmt_ratio(_ratio(e10["size"], e1["size"])),
        )
    else:
        line("Excel export", "not measured", "not measured")
    print()

    verdicts = []
    report_ratio = ten["ratio"]
    verdicts.append(
        (
            f"field report ÷ hand-written SQL at 10× = {_fmt_ratio(report_ratio)}, the median "
            f"of {len(ten['ratios'])} repeats' ratios (limit {REPORT_LIMIT:g}×)",
            report_ratio is not None and report_ratio <= REPORT_LIMIT,
        )
    )
    if e1 and e10:
        memory_ratio = _ratio(e10["peak"], e1["peak"])
        verdicts.append(
            (
                f"export peak memory 10× ÷ 1× = {_fmt_ratio(memory_ratio)} "
                f"(limit {MEMORY_LIMIT:g}×)",
                memory_ratio is not None and memory_ratio <= MEMORY_LIMIT,
            )
        )
    print("Acceptance" + (" (not enforced in --quick)" if args.quick else ""))
    for text, ok in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    if not (e1 and e10):
        print("  ----  export peak memory: reports/summary.py (write_summary) is missing")
        return 4
    if args.quick:
        return 0
    return 0 if all(ok for _text, ok in verdicts) else 1


# --- main --------------------------------------------------------------------------------
