"""The load test's figures: what the server logs say each view and task took, percentiles,
the report printed at the end and the check of the database against what the users saw
(bench/load.py)."""

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-load"
PY = ROOT / ".venv" / "bin" / "python"
P95_LIMIT_MS = 1000.0
LOGIN_POSTS = ("login", "login: TOTP code")  # the password check (PBKDF2) and the code
MIX = {"PI": 0.44, "assistant": 0.40, "office": 0.16}  # of the main phase's users


def server_times(log: Path | None, start: int, end: int) -> tuple[dict, dict]:
    """From serve-prod's log between two offsets: the server's milliseconds per view (the
    portal logs each request once with its time) and the seconds per background task."""
    views: dict[str, list[float]] = {}
    tasks: dict[str, list[float]] = {}
    if log is None or end <= start:
        return views, tasks
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read(end - start).decode("utf-8", "replace")
    running: dict[str, float] = {}
    for row in text.splitlines():
        if "alliance_portal.requests" in row:
            parts = row.split()
            view = next((p[5:] for p in parts if p.startswith("view=")), "?")
            ms = next((p[:-2] for p in parts if p.endswith("ms")), None)
            method = parts[4] if len(parts) > 4 else "?"
            try:
                views.setdefault(f"{method} {view}", []).append(float(ms))
            except (TypeError, ValueError):
                continue
        elif "django.tasks Task id=" in row:
            parts = row.split()
            try:
                at = dt.datetime.strptime(f"{parts[0]} {parts[1]}", "%Y-%m-%d %H:%M:%S,%f")
            except (ValueError, IndexError):
                continue
            key = next((p for p in parts if p.startswith("id=")), "")
            path = next((p[5:] for p in parts if p.startswith("path=")), "?")
            if "state=RUNNING" in row:
                running[key] = at.timestamp()
            elif key in running:
                tasks.setdefault(path, []).append(at.timestamp() - running.pop(key))
    return views, tasks


# --- figures -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def figures(rows: list[tuple], seconds: float) -> dict:
    times = [r[3] for r in rows]
    return {
        "requests": len(rows),
        "http": sum(r[4] for r in rows),
        "rps": len(rows) / seconds if seconds else 0.0,
        "http_rps": sum(r[4] for r in rows) / seconds if seconds else 0.0,
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": max(times) if times else float("nan"),
        "errors": sum(1 for r in rows if r[5]),
        "A": sum(1 for r in rows if r[2] == "A"),
        "B": sum(1 for r in rows if r[2] == "B"),
    }


HEADER = (
    f"  {'':<40} {'requests':>8} {'req/s':>7} {'HTTP/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
    f"{'p99 ms':>7} {'max ms':>7} {'errors':>6} {'A / B':>11}"
)


def line(label: str, f: dict) -> str:
    return (
        f"  {label:<40} {f['requests']:>8,} {f['rps']:>7.1f} {f['http_rps']:>7.1f} "
        f"{f['p50']:>7.0f} {f['p95']:>7.0f} {f['p99']:>7.0f} {f['max']:>7.0f} "
        f"{f['errors']:>6} {f['A']:>5}/{f['B']:<5}"
    )


def machine() -> dict:
    model = "?"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def report(args, main_rows, main, bare_rows, bare_phase, errors, verify_result, load_before):
    main_seconds, bare_seconds = main["seconds"], bare_phase["seconds"]
    m = machine()
    print()
    print("Load test" + ("  (quick: p95 limit not judged)" if args.quick else ""))
    print(
        f"  machine: {m['cores']} cores, {m['cpu']}, {m['memory']} RAM, Python {m['python']}, "
        f"{m['system']}; load average before {load_before}, after {loadavg()}"
    )
    print(
        f"  servers: serve-prod, 2 instances × {args.gunicorn_workers} gunicorn workers × "
        f"{args.gunicorn_threads} threads, keep-alive 75 s, {args.task_workers} "
        "task workers; locust in one process on the same machine"
    )
    print(
        f"  main phase: {args.users} users, {args.spawn_rate:g}/s, {args.duration} s "
        f"(+ {main_seconds - args.duration:.1f} s to finish the requests under way), "
        f"pauses {args.think_min:g}–{args.think_max:g} s; bare view: {args.users} users, "
        f"no pause, {args.bare_duration} s"
    )
    print(
        f"  CPU busy (whole machine): main phase {main['cpu']:.0%}, bare view "
        f"{bare_phase['cpu']:.0%} of {m['cores']} cores; locust itself "
        f"{main['locust_cores']:.2f} and {bare_phase['locust_cores']:.2f} cores"
    )
    print("  req/s: locust requests (a POST with the redirect it leads to counts once);")
    print("  HTTP/s counts every HTTP request, redirects included. Times in ms, whole request.")
    print()
    print("Per scenario")
    print(HEADER)
    total = figures(main_rows, main_seconds)
    for scenario in ("PI", "assistant", "office"):
        rows = [r for r in main_rows if r[0] == scenario]
        print(line(scenario, figures(rows, main_seconds)))
    print(line("main phase, all", total))
    print(
        line(
            "main phase, all but the login POSTs",
            figures([r for r in main_rows if r[1] not in LOGIN_POSTS], main_seconds),
        )
    )
    bare = figures(bare_rows, bare_seconds)
    print(line("bare view /healthz/live (ceiling)", bare))
    print()
    print("Per request")
    print(HEADER)
    names = sorted(
        {(r[0], r[1]) for r in main_rows},
        key=lambda k: (list(MIX).index(k[0]) if k[0] in MIX else 9, k[1]),
    )
    for scenario, name in names:
        rows = [r for r in main_rows if r[0] == scenario and r[1] == name]
        print(line(f"{scenario}: {name}"[:40], figures(rows, main_seconds)))
    print()
    rps_ratio = total["rps"] / bare["rps"] if bare["rps"] else float("nan")
    http_ratio = total["http_rps"] / bare["http_rps"] if bare["http_rps"] else float("nan")
    p95_ratio = total["p95"] / bare["p95"] if bare["p95"] else float("nan")
    views, tasks = server_times(*main["log"])
    if views:
        spent = sum(sum(v) for v in views.values())
        print("Server time per view, main phase (serve-prod's request log; top 12 by total)")
        print(f"  {'':<40} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'total s':>8} {'share':>6}")
        ranked = sorted(views.items(), key=lambda kv: -sum(kv[1]))
        for name, ms in ranked[:12]:
            print(
                f"  {name[:40]:<40} {len(ms):>6} {percentile(ms, 50):>7.0f} "
                f"{percentile(ms, 95):>7.0f} {sum(ms) / 1000:>8.1f} {sum(ms) / spent:>6.0%}"
            )
        for name, secs in sorted(tasks.items()):
            print(
                f"  task {name[:35]:<35} {len(secs):>6} {percentile(secs, 50) * 1000:>7.0f} "
                f"{percentile(secs, 95) * 1000:>7.0f} {sum(secs):>8.1f}"
            )
        print()
    print("Ratio to the bare view")
    print(f"  throughput, main ÷ bare: {rps_ratio:.3f} (requests), {http_ratio:.3f} (HTTP)")
    print(f"  p95, main ÷ bare: {p95_ratio:.1f}×")
    print()
    if errors:
        print("Errors")
        for (scenario, name, message), count in sorted(errors.items()):
            print(f"  {count:>5}  {scenario}: {name}: {message}")
        print()
    print(
        f"submissions: {verify_result.get('posted', '?')} posted, "
        f"{verify_result.get('recorded', '?')} recorded"
        + (
            ""
            if verify_result.get("ok")
            else f"  MISMATCH: missing {verify_result.get('missing')}, unexpected "
            f"{verify_result.get('unexpected')}, other states {verify_result.get('other_states')}"
        )
    )
    print()
    verdicts = [
        (
            f"errors: {total['errors'] + bare['errors']} (limit 0)",
            total["errors"] + bare["errors"] == 0,
            True,
        ),
    ]
    for scenario in ("PI", "assistant", "office"):
        f = figures([r for r in main_rows if r[0] == scenario], main_seconds)
        verdicts.append(
            (
                f"p95 {scenario}: {f['p95']:.0f} ms (limit < {P95_LIMIT_MS:.0f})",
                f["p95"] < P95_LIMIT_MS,
                not args.quick,
            )
        )
    verdicts.append(
        (
            f"p95 all: {total['p95']:.0f} ms (limit < {P95_LIMIT_MS:.0f})",
            total["p95"] < P95_LIMIT_MS,
            not args.quick,
        )
    )
    judged = not args.no_limits
    print("Acceptance" + ("" if judged else " (not judged: --no-limits)"))
    failed = False
    for text, ok, enforced in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}" + ("" if enforced else "  (not judged)"))
        failed |= judged and enforced and not ok
    if not verify_result.get("ok"):
        return 3
    return 1 if failed else 0


def verify(args, env, accounts_path: Path, posted: list[int]) -> dict:
    posted_path = VAR / "posted.json"
    posted_path.write_text(json.dumps(posted))
    result = subprocess.run(
        [
            str(PY),
            str(ROOT / "bench" / "load_data.py"),
            "verify",
            "--accounts",
            str(accounts_path),
            "--posted",
            str(posted_path),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        data = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(result.stdout, result.stderr, file=sys.stderr)
        return {"ok": False}
    data["ok"] = result.returncode == 0
    return data
