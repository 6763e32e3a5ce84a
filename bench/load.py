"""Load test of the production topology (scripts/serve-prod) with locust, headless, on
127.0.0.1 only, bounded in time.

    .venv/bin/python bench/load.py              # build the data, serve, 50 VUs, report
    .venv/bin/python bench/load.py --quick      # a smoke run: small data, 10 VUs, 15 s

By default it (1) drops and creates the PostgreSQL database of --database-url (its name must
contain "load"; the role needs CREATEDB) and fills it (bench/load_data.py: three programme
years of --alliances alliances, the last one's KPI filing open on today's real date, a PI
and an approved assistant per alliance, office accounts with TOTP); (2) starts
scripts/serve-prod on --port-a/--port-b with PORTAL_VAR_DIR=var/bench-load (its log in
var/bench-load/serve-prod.log) and waits for /healthz on both; (3) runs the main phase:
--users virtual users (44% PIs, 40% assistants, 16% office: 22/20/8 of 50; bench/locustfile.py
says what each does), spawned at --spawn-rate, for --duration seconds, even users on
instance A and odd on B; (4) runs the bare-view phase: as many users asking /healthz/live
without pause, for --bare-duration seconds, on the same servers; (5) checks in the database
that the filings whose submission succeeded are submitted, and no other; (6) stops the
servers (the whole process tree) and prints the figures.

With --no-serve it uses servers already running (--host-a, --host-b) on a database built
before with --build-only (their DATABASE_URL must be --database-url).

Exit status: 0 pass; 1 an error, or a p95 of 1000 ms or more (not judged with --no-limits,
nor the p95 in --quick); 2 refused (bad arguments, not a load database); 3 the database
disagrees with the submissions seen, or the servers did not start.
"""

from gevent import monkey

monkey.patch_all()  # before anything else imports socket or ssl (locust would, later)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench-load"
PY = ROOT / ".venv" / "bin" / "python"
P95_LIMIT_MS = 1000.0
LOGIN_POSTS = ("login", "login: TOTP code")  # the password check (PBKDF2) and the code
MIX = {"PI": 0.44, "assistant": 0.40, "office": 0.16}  # of the main phase's users
QUICK = {
    "alliances": 30,
    "members": 10,
    "users": 10,
    "duration": 15,
    "bare_duration": 10,
    "think_min": 0.2,
    "think_max": 0.6,
}


def refuse(message: str):
    print(message, file=sys.stderr)
    raise SystemExit(2)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Load test of scripts/serve-prod with locust (headless, 127.0.0.1).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOAD_DATABASE_URL", "postgres://alliance@127.0.0.1:5432/alliance_bench_load"
        ),
        help="the load test's database (dropped and created anew); env LOAD_DATABASE_URL",
    )
    p.add_argument("--users", type=int, default=50, help="virtual users in each phase")
    p.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    p.add_argument("--duration", type=int, default=120, help="main phase, s (with ramp-up)")
    p.add_argument("--bare-duration", type=int, default=30, help="bare-view phase, s")
    p.add_argument("--think-min", type=float, default=1.0, help="pause between steps, s")
    p.add_argument("--think-max", type=float, default=3.0)
    p.add_argument("--alliances", type=int, default=250)
    p.add_argument("--members", type=int, default=40, help="members per alliance-year")
    p.add_argument("--port-a", type=int, default=8101)
    p.add_argument("--port-b", type=int, default=8102)
    p.add_argument("--gunicorn-workers", type=int, default=2, help="per instance")
    p.add_argument("--gunicorn-threads", type=int, default=4, help="per worker")
    p.add_argument("--task-workers", type=int, default=2, help="manage.py portal_worker")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke: 30 alliances, 10 VUs, 0.2–0.6 s pauses, 15+10 s",
    )
    p.add_argument("--no-limits", action="store_true", help="show the limits, do not judge")
    p.add_argument("--no-serve", action="store_true", help="use running servers")
    p.add_argument("--build-only", action="store_true", help="build the data and stop")
    p.add_argument("--host-a", default=None, help="with --no-serve: instance A's URL")
    p.add_argument("--host-b", default=None, help="with --no-serve: instance B's URL")
    p.add_argument("--force", action="store_true", help="allow a database without 'load'")
    args = p.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    if args.users < 3 or args.duration < 5 or args.bare_duration < 1:
        p.error("need at least 3 users and a 5 s main phase")
    if not 0 <= args.think_min <= args.think_max:
        p.error("--think-min must be between 0 and --think-max")
    if args.no_serve and not (args.host_a and args.host_b):
        p.error("--no-serve needs --host-a and --host-b")
    for host in (args.host_a, args.host_b):
        if host and not host.startswith(("http://127.0.0.1:", "http://localhost:")):
            p.error("the load test runs against 127.0.0.1 only")
    name = args.database_url.rsplit("/", 1)[-1].split("?")[0]
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        refuse("The load test runs on PostgreSQL: --database-url must be postgres://…")
    if "load" not in name and not args.force:
        refuse(f"Refusing database {name!r}: its name must contain 'load' (it is dropped).")
    if name in {"alliance_portal", "test_alliance_portal"}:
        refuse(f"Refusing database {name!r}.")
    return args


# --- the data and the servers ------------------------------------------------------------


def server_env(args) -> dict:
    """The environment of the data build and of serve-prod: the same settings."""
    VAR.mkdir(parents=True, exist_ok=True)
    secret_file = VAR / "serve-prod.secret"
    if not secret_file.exists() or not secret_file.read_text().strip():
        secret_file.write_text(secrets.token_urlsafe(50) + "\n")
        secret_file.chmod(0o600)
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="production",
        DATABASE_URL=args.database_url,
        PORTAL_VAR_DIR=str(VAR),
        SECRET_KEY=secret_file.read_text().strip(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PORT_A=str(args.port_a),
        PORT_B=str(args.port_b),
        WORKERS=str(args.task_workers),
        GUNICORN_WORKERS=str(args.gunicorn_workers),
        GUNICORN_THREADS=str(args.gunicorn_threads),
        # No mail server here: the workers hand the queued mail to Django's in-memory
        # backend (the rendering and queueing of each message still happen).
        MAILER_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    return env


def recreate_database(url: str) -> None:
    import dj_database_url

    from bench.reports import recreate_database as recreate

    recreate(dj_database_url.parse(url))


def build_data(args, env) -> Path:
    out = VAR / "accounts.json"
    print(f"Recreating database {args.database_url.rsplit('/', 1)[-1]!r} …", flush=True)
    recreate_database(args.database_url)
    command = [str(PY), str(ROOT / "bench" / "load_data.py"), "build", "--out", str(out)]
    command += ["--alliances", str(args.alliances), "--members", str(args.members)]
    command += ["--office", str(max(1, round(args.users * MIX["office"])))]
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    return out


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its start time (to tell it from a later process that
    reuses the id). serve-prod starts its children in sessions of their own, so a process
    group would not reach them."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = _stat(int(stat.parent.name))
        if fields:
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            fields = _stat(child)
            if child not in found and fields:
                found[child] = fields[19]
                todo.append(child)
    return found


def _still(pid: int, started: str) -> bool:
    """The same process (same start time) is alive and not a zombie."""
    fields = _stat(pid)
    return bool(fields) and fields[19] == started and fields[0] != "Z"


class Servers:
    def __init__(self, args, env):
        self.args = args
        self.env = env
        self.process = None
        self.log = VAR / "serve-prod.log"

    def start(self) -> dict:
        print(
            f"Starting scripts/serve-prod on 127.0.0.1:{self.args.port_a} and "
            f":{self.args.port_b} (log {self.log.relative_to(ROOT)}) …",
            flush=True,
        )
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve-prod")],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        hosts = {
            "A": f"http://127.0.0.1:{self.args.port_a}",
            "B": f"http://127.0.0.1:{self.args.port_b}",
        }
        deadline = time.time() + 180
        waiting = dict(hosts)
        while waiting:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve-prod exited with {self.process.returncode}")
            if time.time() > deadline:
                raise RuntimeError("serve-prod did not answer /healthz within 180 s")
            for key, url in list(waiting.items()):
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                        if response.status == 200:
                            del waiting[key]
                except OSError:
                    pass
            time.sleep(1)
        return hosts

    def stop(self) -> None:
        if self.process is None:
            return
        tree = descendants(self.process.pid)  # every process serve-prod runs, now
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # serve-prod stops its children
            try:
                self.process.wait(timeout=45)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        deadline = time.time() + 15
        while time.time() < deadline and any(_still(p, s) for p, s in tree.items()):
            time.sleep(0.5)
        left = [pid for pid, started in tree.items() if _still(pid, started)]
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        print(
            f"Stopped serve-prod and its {len(tree)} processes"
            + (f" ({len(left)} killed after 60 s: {left})" if left else "")
            + ".",
            flush=True,
        )


# --- the phases ----------------------------------------------------------------------------


class Recorder:
    """Every request of a phase: (scenario, name, instance, ms, http hops, error, start)."""

    def __init__(self):
        self.rows: list[tuple] = []
        self.errors: dict[tuple, int] = {}
        self.active = False

    def __call__(
        self,
        request_type,
        name,
        response_time,
        response_length,
        response=None,
        context=None,
        exception=None,
        start_time=None,
        **_kwargs,
    ):
        if not self.active:
            return
        context = context or {}
        hops = 1 + len(getattr(response, "history", None) or [])
        scenario = context.get("scenario", "?")
        self.rows.append(
            (
                scenario,
                name,
                context.get("instance", "?"),
                response_time,
                hops,
                exception is not None,
                start_time,
            )
        )
        if exception is not None:
            key = (scenario, name, str(exception)[:160])
            self.errors[key] = self.errors.get(key, 0) + 1


def cpu_times() -> tuple[float, float, float]:
    """(busy jiffies of the machine, all jiffies, this process's CPU seconds)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return sum(fields) - idle, sum(fields), usage.ru_utime + usage.ru_stime


def log_size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path else 0
    except OSError:
        return 0


def run_phase(
    label: str,
    user_classes: list,
    users: int,
    rate: float,
    seconds: int,
    recorder: Recorder,
    log: Path | None = None,
) -> dict:
    """Run the users for `seconds` (ramp-up included); they stop at their next pause after
    that; the phase ends when none is inside an iteration (at most 60 s more). Returns the
    phase's wall time, the machine's CPU use, locust's own, and where the phase's lines of
    serve-prod's log are."""
    import gevent
    from locust.env import Environment

    from bench.locustfile import PLAN

    env = Environment(user_classes=user_classes, catch_exceptions=True)
    env.events.request.add_listener(recorder)
    runner = env.create_local_runner()
    print(f"{label}: {users} users at {rate:g}/s for {seconds} s …", flush=True)
    recorder.rows.clear()
    recorder.errors.clear()
    recorder.active = True
    offset = log_size(log)
    cpu_before = cpu_times()
    started = time.time()
    PLAN.deadline = started + seconds
    runner.start(users, spawn_rate=rate)
    gevent.sleep(seconds)
    grace = time.time() + 60
    while PLAN.busy and time.time() < grace:
        gevent.sleep(0.2)
    ended = time.time()
    cpu_after = cpu_times()
    end_offset = log_size(log)
    recorder.active = False
    runner.quit()
    if runner.greenlet:
        runner.greenlet.join(timeout=10)
    if env.runner and env.runner.user_count:
        print(f"  warning: {env.runner.user_count} users still counted after quit")
    busy = cpu_after[0] - cpu_before[0]
    total = cpu_after[1] - cpu_before[1]
    return {
        "seconds": ended - started,
        "cpu": busy / total if total else float("nan"),  # share of all cores
        "locust_cores": (cpu_after[2] - cpu_before[2]) / (ended - started),
        "log": (log, offset, end_offset),
    }


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


# --- main --------------------------------------------------------------------------------


def fix_path() -> None:
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    fix_path()
    args = parse_args(argv)
    started = time.time()
    env = server_env(args)
    accounts_path = VAR / "accounts.json"
    if not args.no_serve:
        accounts_path = build_data(args, env)
    if args.build_only:
        return 0
    if not accounts_path.exists():
        refuse(f"{accounts_path} is missing: build the data first (--build-only).")
    accounts = json.loads(accounts_path.read_text())

    import logging

    from bench import locustfile

    logging.getLogger("locust").setLevel(logging.WARNING)
    servers = None
    try:
        if args.no_serve:
            hosts = {"A": args.host_a.rstrip("/"), "B": args.host_b.rstrip("/")}
        else:
            servers = Servers(args, env)
            try:
                hosts = servers.start()
            except RuntimeError as error:
                print(f"ERROR: {error}; see {servers.log}", file=sys.stderr)
                return 3
        locustfile.PLAN.configure(accounts, hosts, (args.think_min, args.think_max))
        counts = {k: max(1, round(args.users * share)) for k, share in MIX.items()}
        counts["PI"] = args.users - counts["assistant"] - counts["office"]
        locustfile.PiUser.fixed_count = counts["PI"]
        locustfile.AssistantUser.fixed_count = counts["assistant"]
        locustfile.OfficeUser.fixed_count = counts["office"]
        print(
            f"Users: {counts['PI']} PIs, {counts['assistant']} assistants, "
            f"{counts['office']} office; {len(accounts['alliances'])} alliances, filing "
            f"{accounts['filing']} of {accounts['year']}",
            flush=True,
        )
        load_before = loadavg()
        recorder = Recorder()
        log = servers.log if servers else None
        main_phase = run_phase(
            "Main phase",
            [locustfile.PiUser, locustfile.AssistantUser, locustfile.OfficeUser],
            args.users,
            args.spawn_rate,
            args.duration,
            recorder,
            log,
        )
        main_rows, errors = list(recorder.rows), dict(recorder.errors)
        posted = list(locustfile.PLAN.posted)
        locustfile.PLAN.sequence = itertools.count()
        bare_phase = run_phase(
            "Bare view",
            [locustfile.BareUser],
            args.users,
            args.spawn_rate,
            args.bare_duration,
            recorder,
            log,
        )
        bare_rows = list(recorder.rows)
        for key, count in recorder.errors.items():
            errors[key] = errors.get(key, 0) + count
        verify_result = verify(args, env, accounts_path, posted)
    finally:
        if servers is not None:
            servers.stop()
    status = report(
        args, main_rows, main_phase, bare_rows, bare_phase, errors, verify_result, load_before
    )
    print(f"\nTotal {time.time() - started:.0f} s; exit status {status}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
