"""Load test of the production topology (scripts/serve-prod) with locust, headless, on
127.0.0.1 only, bounded in time.

    .venv/bin/python bench/load.py              # build the data, serve, 50 VUs, report
    .venv/bin/python bench/load.py --quick      # a smoke run: small data, 10 VUs, short phases

By default it (1) drops and creates the PostgreSQL database of --database-url (its name must
contain "load"; the role needs CREATEDB) and fills it (bench/load_data.py: three programme
years of --alliances alliances, the last one's KPI filing open on today's real date, a PI
and an approved assistant per alliance, office accounts with TOTP); (2) starts
scripts/serve-prod with the benchmark's settings (bench/settings.py: production's, plus the
bare authenticated view /bench/bare/) on --port-a/--port-b with PORTAL_VAR_DIR=var/bench-
load (its log in var/bench-load/serve-prod.log) and waits for /healthz on both; (3) the work
phase: --users virtual users (44% PIs, 40% assistants, 16% office: 22/20/8 of 50;
bench/locustfile.py says what each does), started at --spawn-rate, each logging in once and
then working with pauses for --duration seconds, each kind of user alternating between
instance A and B; (4) the bare-view phase: the same users, logged in the same way, ask for
/bench/bare/ with the same pauses for --bare-duration seconds; (5) the login capacity: as
many users logging in again and again without pause for --login-duration seconds; (6) checks
in the database that the filings whose submission succeeded are submitted, and no other; (7)
stops the servers (the whole process tree) and prints the figures: per scenario (login, PI,
assistant, office) and in total, requests/s, p50/p95/p99 and errors over each phase's steady
part (after the last user was started), and the ratios to the bare view.

With --no-serve it uses servers already running (--host-a, --host-b; started with
DJANGO_SETTINGS_MODULE=bench.settings) on a database built before with --build-only (their
DATABASE_URL must be --database-url).

Exit status: 0 pass; 1 an error, or a p95 of 1000 ms or more in the work phase (not judged
with --no-limits, nor the p95 in --quick); 2 refused (bad arguments, not a load database);
3 the database disagrees with the submissions seen, or the servers did not start. The
issue's goals against the bare view (throughput ≥ 0.5×, p95 ≤ 3×) are printed, met or not,
and do not change the exit status: docs/performance.md says where they stand and why.
"""

from gevent import monkey

monkey.patch_all()  # before anything else imports socket or ssl (locust would, later)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Run as `python bench/load.py`, bench/ is first on the path (where bench/reports.py would
# shadow the portal's reports app): the repository root goes there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_report import (  # noqa: E402
    MIX,
    loadavg,
    report,
    verify,
)

VAR = ROOT / "var" / "bench-load"
PY = ROOT / ".venv" / "bin" / "python"
QUICK = {
    "alliances": 30,
    "members": 10,
    "users": 10,
    "spawn_rate": 5,
    "duration": 15,
    "bare_duration": 10,
    "login_duration": 4,
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
    p.add_argument("--bare-duration", type=int, default=60, help="bare-view phase, s")
    p.add_argument("--login-duration", type=int, default=20, help="login capacity, s")
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
        help="smoke: 30 alliances, 10 VUs, 0.2–0.6 s pauses, 15 + 10 + 4 s",
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
    if args.users < 3 or args.duration < 5 or args.bare_duration < 1 or args.login_duration < 1:
        p.error("need at least 3 users and a 5 s work phase")
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
        # Production's settings plus the bare authenticated view (bench/settings.py).
        DJANGO_SETTINGS_MODULE="bench.settings",
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
        "steady_from": started + users / rate,
        "ended": min(ended, PLAN.deadline),
        "cpu": busy / total if total else float("nan"),  # share of all cores
        "locust_cores": (cpu_after[2] - cpu_before[2]) / (ended - started),
        "log": (log, offset, end_offset),
    }


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
        users = [locustfile.PiUser, locustfile.AssistantUser, locustfile.OfficeUser]
        think = (args.think_min, args.think_max)
        rows, errors, phases = {}, {}, {}
        for key, label, classes, seconds, rate, bare, pauses in (
            ("work", "Work phase", users, args.duration, args.spawn_rate, False, think),
            ("bare", "Bare view", users, args.bare_duration, args.spawn_rate, True, think),
            (
                "logins",
                "Login capacity",
                [locustfile.LoginUser],
                args.login_duration,
                float(args.users),
                False,
                (0.0, 0.0),
            ),
        ):
            locustfile.PLAN.new_phase(bare=bare, think=pauses)
            phases[key] = run_phase(label, classes, args.users, rate, seconds, recorder, log)
            rows[key] = list(recorder.rows)
            for error, count in recorder.errors.items():
                errors[error] = errors.get(error, 0) + count
        posted = list(locustfile.PLAN.posted)
        verify_result = verify(args, env, accounts_path, posted)
    finally:
        if servers is not None:
            servers.stop()
    status = report(args, rows, phases, errors, verify_result, load_before)
    print(f"\nTotal {time.time() - started:.0f} s; exit status {status}.")
    return status


if __name__ == "__main__":
    sys.exit(main())
