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
        f"  {label[:40]:<40} {f['requests']:>8,} {f['rps']:>7.1f} {f['http_rps']:>7.1f} "
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


SCENARIOS = ("PI", "assistant", "office")
# Goals of the performance issue, at 50 users: the pages against the bare view.
THROUGHPUT_GOAL = 0.5  # work req/s ÷ bare req/s, at least
P95_GOAL = 3.0  # work p95 ÷ bare p95, at most
# A deadline day: every alliance's PI, co-PI or assistant logs in, 250 × 3 in one hour.
DEADLINE_LOGINS_PER_S = 250 * 3 / 3600


def steady(rows: list[tuple], phase: dict, scenario: str | None = None) -> list[tuple]:
    """The phase's work after the last user was started (no login requests; the last
    users' logins, a few seconds with their pauses, overlap the start of this window)."""
    return [
        r
        for r in rows
        if r[0] != "login" and r[6] >= phase["steady_from"] and scenario in (None, r[0])
    ]


def steady_seconds(phase: dict) -> float:
    return max(phase["ended"] - phase["steady_from"], 1e-9)


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def print_header(args, phases: dict, load_before: str) -> None:
    m = machine()
    work, bare = phases["work"], phases["bare"]
    print()
    print("Load test" + ("  (quick: the p95 limit not judged)" if args.quick else ""))
    print(
        f"  machine: {m['cores']} cores, {m['cpu']}, {m['memory']} RAM, Python {m['python']}, "
        f"{m['system']}; load average before {load_before}, after {loadavg()}"
    )
    print(
        f"  servers: serve-prod (settings bench.settings: production's + /bench/bare/), "
        f"2 instances × {args.gunicorn_workers} gunicorn workers × {args.gunicorn_threads} "
        f"threads, {args.task_workers} task workers; locust in one process on the same machine"
    )
    print(
        f"  {args.users} users started at {args.spawn_rate:g}/s, each logging in once, then "
        f"pausing {args.think_min:g}–{args.think_max:g} s between steps: work phase "
        f"{args.duration} s, bare-view phase {args.bare_duration} s (the same users and "
        f"pauses, /bench/bare/); login capacity {args.login_duration} s without pause"
    )
    print(
        f"  steady part (after the last user started): work {steady_seconds(work):.0f} s, "
        f"bare {steady_seconds(bare):.0f} s"
    )
    print(
        "  CPU busy (whole machine): "
        + ", ".join(f"{k} {v['cpu']:.0%}" for k, v in phases.items())
        + f" of {m['cores']} cores; locust itself "
        + ", ".join(f"{v['locust_cores']:.2f}" for v in phases.values())
        + " cores"
    )
    print("  req/s: locust requests (a POST with the redirect it leads to counts once);")
    print("  HTTP/s counts every HTTP request, redirects included. Times in ms, whole request.")


def print_views(phase: dict) -> None:
    views, tasks = server_times(*phase["log"])
    if not views:
        return
    spent = sum(sum(v) for v in views.values())
    print("Server time per view, work phase (serve-prod's request log; top 14 by total)")
    print(f"  {'':<40} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'total s':>8} {'share':>6}")
    ranked = sorted(views.items(), key=lambda kv: -sum(kv[1]))
    for name, ms in ranked[:14]:
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


def report(args, rows: dict, phases: dict, errors: dict, verify_result: dict, load_before):
    """Print the figures; the exit status (0 pass, 1 a limit failed, 3 database mismatch)."""
    work, bare, capacity = phases["work"], phases["bare"], phases["logins"]
    print_header(args, phases, load_before)
    print()
    print("Logins: each user once per phase, while the users start (both phases)")
    print(HEADER)
    login_rows = [r for phase in ("work", "bare") for r in rows[phase] if r[0] == "login"]
    login_seconds = work["seconds"] + bare["seconds"]
    for name in ("login form", "login: password", "login: TOTP code"):
        print(line(name, figures([r for r in login_rows if r[1] == name], login_seconds)))
    print()
    table = {}
    for label, phase in (("work", work), ("bare view", bare)):
        key = "work" if label == "work" else "bare"
        print(f"{label.capitalize()} phase, steady part ({steady_seconds(phase):.0f} s)")
        print(HEADER)
        for scenario in (*SCENARIOS, None):
            f = figures(steady(rows[key], phase, scenario), steady_seconds(phase))
            table[(key, scenario)] = f
            print(line(scenario or "all", f))
        print()
    print(
        f"Ratio to the bare view (goals: throughput ≥ {THROUGHPUT_GOAL:g}×, "
        f"p95 ≤ {P95_GOAL:g}× the bare view's)"
    )
    print(
        f"  {'':<12} {'req/s':>7} {'bare':>7} {'ratio':>7} {'p95 ms':>7} {'bare':>7} {'ratio':>7}"
    )
    for scenario in (*SCENARIOS, None):
        w, b = table[("work", scenario)], table[("bare", scenario)]
        print(
            f"  {scenario or 'all':<12} {w['rps']:>7.1f} {b['rps']:>7.1f} "
            f"{ratio(w['rps'], b['rps']):>7.2f} {w['p95']:>7.0f} {b['p95']:>7.0f} "
            f"{ratio(w['p95'], b['p95']):>6.1f}×"
        )
    print()
    print("Per request, work phase (steady part)")
    print(HEADER)
    steady_work = steady(rows["work"], work)
    names = sorted({(r[0], r[1]) for r in steady_work}, key=lambda k: (SCENARIOS.index(k[0]), k[1]))
    for scenario, name in names:
        subset = [r for r in steady_work if r[0] == scenario and r[1] == name]
        print(line(f"{scenario}: {name}", figures(subset, steady_seconds(work))))
    print()
    print_views(work)
    passwords = [r for r in rows["logins"] if r[1] == "login: password"]
    per_second = sum(1 for r in passwords if not r[5]) / capacity["seconds"]
    print(f"Login capacity ({args.users} users logging in without pause, {args.login_duration} s)")
    print(HEADER)
    print(line("login: password", figures(passwords, capacity["seconds"])))
    print(
        f"  {per_second:.1f} logins a second; a deadline day's {DEADLINE_LOGINS_PER_S:.2f} a "
        "second (250 alliances × 3 people in one hour) leaves "
        f"{ratio(per_second, DEADLINE_LOGINS_PER_S):.0f}× "
        "headroom (the production hasher, PBKDF2 with Django's iterations, unchanged)"
    )
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
    error_count = sum(1 for phase in rows.values() for r in phase if r[5])
    everything = [r for r in rows["work"] if r[0] != "login"]
    verdicts = [(f"errors: {error_count} (limit 0)", error_count == 0, True)]
    for scenario in (*SCENARIOS, None):
        f = figures([r for r in everything if scenario in (None, r[0])], work["seconds"])
        verdicts.append(
            (
                f"p95 {scenario or 'all'}, work phase: {f['p95']:.0f} ms "
                f"(limit < {P95_LIMIT_MS:.0f})",
                f["p95"] < P95_LIMIT_MS,
                not args.quick,
            )
        )
    w, b = table[("work", None)], table[("bare", None)]
    goals = [
        (
            f"throughput {ratio(w['rps'], b['rps']):.2f}× the bare view's "
            f"(goal ≥ {THROUGHPUT_GOAL:g}×)",
            ratio(w["rps"], b["rps"]) >= THROUGHPUT_GOAL,
        ),
        (
            f"p95 {ratio(w['p95'], b['p95']):.1f}× the bare view's (goal ≤ {P95_GOAL:g}×)",
            ratio(w["p95"], b["p95"]) <= P95_GOAL,
        ),
    ]
    judged = not args.no_limits
    print("Acceptance" + ("" if judged else " (not judged: --no-limits)"))
    failed = False
    for text, ok, enforced in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}" + ("" if enforced else "  (not judged)"))
        failed |= judged and enforced and not ok
    for text, ok in goals:
        print(f"  {'MET ' if ok else 'NOT MET'}  goal: {text}")
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
