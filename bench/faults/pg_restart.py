"""Fault: PostgreSQL restarts while PIs work and submit. The portal recovers by itself
(CONN_HEALTH_CHECKS), every request that failed got the friendly 503 page, and every
submission either completed or visibly did not — none is lost.

    .venv/bin/python bench/faults/pg_restart.py [--clients 20] [--restarts 1]
        [--stop-start] [--force] [--keep]

It restarts the PostgreSQL cluster everything on this machine uses, so it refuses while
tests, a benchmark or CI run (a process matching pytest, bench/load or ci/run) unless
--force, keeps the downtime short (`pg_ctlcluster 15 main restart`, fast mode; with
--stop-start: stop, 5 s, start) and always leaves PostgreSQL running.

scripts/serve-prod (two gunicorn instances of 2 processes × 4 threads, two workers,
production settings, the dummy mailer) runs on its own database (alliance_faults_pg,
dropped and made anew) and ports (8201/8202). Each of --clients threads is the PI of
--per-pi alliances (programme year 115, whose expected outcomes and second KPI filing are
open), half of them on each server, and goes through its alliances one after the other:
dashboard, filings, ledger, a new revenue record, the expected outcomes' targets, the
check, submit; the second KPI filing's check, submit. A request that fails is tried
again after 0.5 s (a record is not: it may have been saved); after a submission that did
not answer "submitted" the PI reloads the filing and submits only if it is not locked.
After --before seconds PostgreSQL restarts (--restarts times, --gap seconds apart), the
load goes on --after seconds more, then every client reloads every filing it touched.

Checks:
1. serve-prod was never restarted and serves again: time from PostgreSQL being back to
   the last failed request, and to /healthz answering 200 on both servers;
2. every failed request got the friendly 503 page (status 503, "系統暫時無法服務"): no bare
   500/502, no connection error (counted apart: gunicorn itself failed);
3. every submission acknowledged (302 to the filing) is recorded (a FilingVersion); each
   filing has at most one version; for a submission answered 503 the database shows
   whether it went through (both listed) and the PI's page shows the same; at the end the
   page and the database agree on every filing touched.

Exit status 0: every check passed; 1: a violation (listed); 2: refused.
"""

import argparse
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.faults import common
from bench.faults.common import ROC_YEAR, Browser, Pi, ServeProd, Verdict, log
from bench.faults.pg_probes import HealthMonitor, PgProbe

SCRIPT = "pg_restart"
CLUSTER = ("15", "main")
REVISION = re.compile(r'name="revision" value="(\d+)"')
LOCKED = 'class="panel locked"'
DB_ERROR = re.compile(
    r"connection to server at \S+, port \d+ failed: [^\n]+"
    r"|server closed the connection unexpectedly|the database system is shutting down"
)


def pg_ctl(action: str) -> float:
    """pg_ctlcluster <action>; returns how long it took."""
    t = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return time.time() - t


def terminate_connections(url: str) -> int:
    """End every session on the script's database but this one (its owner may)."""
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def pg_online() -> bool:
    out = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    return any(line.split()[:2] == list(CLUSTER) and "online" in line for line in out.splitlines())


class GaveUp(Exception):
    """A page did not come back for a minute (or the run ended while it was failing)."""


@dataclass
class Attempt:
    alliance: int
    kind: str
    start: float
    status: int | None
    result: str  # acknowledged, refused, friendly503, bare5xx, connection
    location: str = ""
    end: float = 0.0
    reload_shows: str = ""  # after an unacknowledged attempt: "submitted" or "open"


@dataclass
class ClientState:
    pi: Pi
    base: str
    browser: Browser = None
    attempts: list = field(default_factory=list)
    touched: list = field(default_factory=list)  # (alliance, kind) it tried to submit
    seen_submitted: dict = field(default_factory=dict)  # (alliance, kind) → bool, last view
    error: str = ""


class Client(threading.Thread):
    def __init__(self, state: ClientState, stop: threading.Event, codes: list[str]):
        super().__init__(daemon=True, name=state.pi.email)
        self.s = state
        self.stop = stop
        self.codes = codes

    # A request tried until it gets a page (not 5xx, not a broken connection); given up
    # after 60 s of failures, or at once when the run is over.
    def fetch(self, method: str, path: str, data=None, *, token_from=None):
        b = self.s.browser
        deadline = time.monotonic() + 60
        while True:
            r = b.get(path) if method == "GET" else b.post(path, data, token_from=token_from)
            if r is not None and r.status_code < 500:
                return r
            if self.stop.is_set() or time.monotonic() > deadline:
                raise GaveUp(f"{method} {path}: {r.status_code if r is not None else 'no answer'}")
            time.sleep(0.5)

    def url(self, pk: int, tail: str = "") -> str:
        return f"/alliances/{pk}/filings/{ROC_YEAR}/{tail}"

    def is_submitted(self, pk: int, kind: str) -> bool:
        page = self.fetch("GET", self.url(pk, f"{kind}/"))
        submitted = LOCKED in page.text
        self.s.seen_submitted[(pk, kind)] = submitted
        return submitted

    def submit(self, pk: int, kind: str) -> None:
        """Certify and submit until the page says submitted (never twice)."""
        self.s.touched.append((pk, kind))
        detail = self.url(pk, f"{kind}/")
        while True:
            check = self.fetch("GET", self.url(pk, f"{kind}/check/"))
            token = common.csrf_of(check.text)
            t = time.time()
            r = self.s.browser.request(
                "POST",
                self.url(pk, f"{kind}/submit/"),
                data={"name": self.s.pi.name, "confirm": "on", "csrfmiddlewaretoken": token},
            )
            end = time.time()
            if r is not None and r.status_code == 302 and r.headers.get("Location") == detail:
                self.s.attempts.append(Attempt(pk, kind, t, 302, "acknowledged", detail, end))
                self.s.seen_submitted[(pk, kind)] = True
                return
            result = common.classify(r) if r is not None else "connection"
            if r is not None and r.status_code < 500:
                result = "refused"
            attempt = Attempt(pk, kind, t, r and r.status_code, result, "", end)
            self.s.attempts.append(attempt)
            time.sleep(0.5)
            submitted = self.is_submitted(pk, kind)
            attempt.reload_shows = "submitted" if submitted else "open"
            if submitted:  # it went through after all: do not resubmit
                return
            if result == "refused" and r.status_code == 400 and "panel locked" not in r.text:
                # the check found errors: a data problem, not a fault; stop trying this one
                self.s.error = f"{pk}/{kind} refused: {r.text[:200]}"
                return

    def save_targets(self, pk: int) -> None:
        path = self.url(pk, "expected/")
        while True:
            page = self.fetch("GET", path)
            if LOCKED in page.text:
                return
            match = REVISION.search(page.text)
            data = {"revision": match.group(1), **dict.fromkeys(self.codes, "3")}
            data["csrfmiddlewaretoken"] = common.csrf_of(page.text)
            r = self.s.browser.request("POST", path, data=data)
            if r is not None and r.status_code == 302:
                return
            time.sleep(0.5)

    def add_record(self, pk: int) -> None:
        path = f"/alliances/{pk}/ledger/{ROC_YEAR}/revenue/new/"
        page = self.fetch("GET", path)
        self.s.browser.request(
            "POST",
            path,
            data={
                "kind": "other_operating",
                "date": f"{ROC_YEAR}.06.01",
                "amount": str(random.randrange(10_000, 90_000)),  # noqa: S311
                "membership": "",
                "firm": "22099131",
                "payer_name": "",
                "payer_kind": "firm",
                "freely_usable": "on",
                "description": "故障測試收入",
                "version": "",
                "csrfmiddlewaretoken": common.csrf_of(page.text),
            },
        )  # not tried again: a 503 here may or may not have saved it

    def run(self) -> None:
        try:
            for pk in self.s.pi.alliances:
                if self.stop.is_set():
                    return
                self.fetch("GET", f"/alliances/{pk}/")
                self.fetch("GET", self.url(pk))
                self.fetch("GET", f"/alliances/{pk}/ledger/{ROC_YEAR}/revenue/")
                self.add_record(pk)
                self.save_targets(pk)
                self.submit(pk, "expected")
                if self.stop.is_set():
                    return
                self.submit(pk, "second")
            self.s.error = self.s.error or "ran out of alliances"
        except Exception as exc:  # noqa: BLE001 (reported in the summary)
            self.s.error = f"{type(exc).__name__}: {exc}"


def died_how(log_text: str) -> list[str]:
    """What serve-prod's log says about the process that ended it."""
    lines = log_text.splitlines()
    out = [line for line in lines if "a process exited with status" in line][:1]
    start = next((n for n, line in enumerate(lines) if "portal_worker.py" in line), None)
    if start is not None:
        rest = lines[start : start + 200]
        found = DB_ERROR.search("\n".join(rest))  # two workers' tracebacks interleave
        error = f"OperationalError: {found.group(0)}" if found else "?"
        where = next((x.strip() for x in rest if "db_worker.py" in x and "File" in x), "")
        out.append(f"a task worker (manage.py portal_worker) died: {error[:140]}")
        if where:
            out.append(f"  in {where[where.find('db_worker.py') :][:100]}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--per-pi", type=int, default=40, help="alliances per client")
    parser.add_argument("--before", type=float, default=10, help="seconds of load first")
    parser.add_argument("--after", type=float, default=20, help="seconds of load after")
    parser.add_argument("--restarts", type=int, default=1, help="0: a dry run, no restart")
    parser.add_argument("--gap", type=float, default=10, help="seconds between restarts")
    parser.add_argument("--stop-start", action="store_true", help="stop, 5 s, start")
    parser.add_argument(
        "--terminate",
        action="store_true",
        help="no restart: end every connection to the script's database "
        "(pg_terminate_backend), which leaves other users of PostgreSQL alone",
    )
    parser.add_argument("--database", default="alliance_faults_pg")
    parser.add_argument("--ports", default="8201,8202")
    parser.add_argument("--force", action="store_true", help="restart even if others run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    common.single_instance(SCRIPT)
    busy = common.postgres_busy()
    if busy and args.restarts and not args.terminate and not args.force:
        common.refuse(
            "refused: restarting PostgreSQL would break what else uses it now:\n  "
            + "\n  ".join(busy)
            + "\nrun again when they are done, or with --force"
        )
    if not pg_online():
        common.refuse("refused: PostgreSQL 15/main is not running")
    port_a, port_b = (int(p) for p in args.ports.split(","))
    url = common.database_url(args.database)
    env = common.portal_env(
        url,
        SCRIPT,
        MAILER_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        WORKER_HEARTBEAT_SECONDS=1,
        WORKER_STALE_SECONDS=5,
        TASK_RETRY_BASE_SECONDS=3,
        WORKERS=2,
        GUNICORN_WORKERS=2,
        GUNICORN_THREADS=4,
    )
    mode = (
        "connections terminated"
        if args.terminate
        else "stop, 5 s, start"
        if args.stop_start
        else "restart (fast)"
    )
    verdict = Verdict(
        f"pg_restart: PostgreSQL {mode} ×{args.restarts} under {args.clients} PIs "
        f"submitting (serve-prod: 2 gunicorn × 2 processes × 4 threads, 2 workers)"
    )
    logfile = Path(env["PORTAL_VAR_DIR"]) / "serve-prod.log"
    server = ServeProd(env, port_a, port_b, logfile)
    stop = threading.Event()
    monitor = HealthMonitor(server.bases, stop)
    probe = PgProbe(url, stop)
    outages: list[tuple[float, float]] = []
    states: list[ClientState] = []
    t_start = time.monotonic()
    try:
        log(f"database {args.database}: creating, migrating, {args.clients}×{args.per_pi}")
        common.recreate_database(url)
        common.setup_django(env)
        common.migrate()
        from kpi.ledger import catalog

        codes = [item.code for item in catalog.TARGETED]
        pis = common.build_alliances(args.clients, args.per_pi)
        log(f"serve-prod on {port_a}/{port_b}")
        server.start()
        pids_before = server.pids()
        states = [ClientState(pi, server.bases[i % 2]) for i, pi in enumerate(pis)]
        for n, s in enumerate(states):
            s.browser = Browser(s.base)
            if n < 2:  # through the login form, one on each server
                s.browser.login(s.pi.email)
            else:
                s.browser.adopt_session(s.pi.email)
        log(f"{len(states)} PIs logged in; load starts")
        monitor.start()
        probe.start()
        clients = [Client(s, stop, codes) for s in states]
        for c in clients:
            c.start()
        time.sleep(args.before)
        try:
            for n in range(args.restarts):
                if n:
                    time.sleep(args.gap)
                busy = [] if args.terminate or args.force else common.postgres_busy()
                if busy:  # started since the check at the beginning: leave them alone
                    raise RuntimeError(f"not restarting, PostgreSQL is in use now: {busy}")
                t0 = time.time()
                log(f"PostgreSQL: {mode}")
                if args.terminate:
                    terminate_connections(url)
                elif args.stop_start:
                    pg_ctl("stop")
                    time.sleep(5)
                    pg_ctl("start")
                else:
                    pg_ctl("restart")
                t1 = time.time()
                outages.append((t0, t1))
                log(f"PostgreSQL back after {t1 - t0:.1f} s")
        finally:
            if not pg_online():
                log("PostgreSQL is not running: starting it")
                pg_ctl("start")
        time.sleep(args.after)
        stop.set()
        for c in clients:
            c.join(timeout=60)
        common.close_db()  # this process's connection died with the restart

        # --- 1. recovered without a restart ---------------------------------------------
        hits = sorted((h for s in states for h in s.browser.log), key=lambda h: h.start)
        windows = probe.down_windows()
        # "Back": PostgreSQL accepted connections again (the probe), else pg_ctlcluster
        # returned; --restarts 0 (a dry run): the start of the load.
        t_back = windows[-1][1] if windows else outages[-1][1] if outages else hits[0].start
        first_restart = outages[0][0] if outages else hits[0].start
        verdict.note(
            f"      {len(hits)} requests in {hits[-1].end - hits[0].start:.0f} s; "
            + "; ".join(
                f"{'terminating' if args.terminate else 'pg_ctlcluster'} took {t1 - t0:.1f} s"
                for t0, t1 in outages
            )
            + "; PostgreSQL refused connections "
            + (
                ", ".join(f"{b - a:.1f} s (from +{a - first_restart:.1f} s)" for a, b in windows)
                if windows
                else "never (probe every 0.1 s)"
            )
        )
        alive = server.alive()
        verdict.check(
            alive and server.pids() == pids_before,
            f"serve-prod kept running, same processes throughout "
            f"(gunicorn {len(pids_before['gunicorn'])}, workers {len(pids_before['worker'])})",
        )
        if not alive:
            for line in died_how(server.tail(200_000)):
                verdict.note(f"        {line}")
        failed = [h for h in hits if h.kind != "ok"]
        last_fail = max((h.end for h in failed), default=None)
        after_back = [h for h in hits if h.start > t_back + 0.01]
        ok_after = [h for h in after_back if h.kind == "ok"]
        verdict.check(
            bool(ok_after) and len(ok_after) == len(after_back),
            f"requests succeed again once PostgreSQL is back: {len(ok_after)}/{len(after_back)} "
            f"requests started after it succeeded; the last failed request ended "
            + (f"{last_fail - t_back:+.2f} s from it" if last_fail else "— none failed"),
        )
        healthy = monitor.healthy_again(first_restart)
        verdict.check(
            healthy is not None,
            "/healthz 200 on both servers again "
            + (f"{healthy - t_back:+.2f} s from PostgreSQL being back" if healthy else "— never"),
        )
        verdict.note(
            f"      failed requests: {len(failed)}, "
            + (
                f"started {min(h.start for h in failed) - first_restart:+.2f} s .. "
                f"ended {max(h.end for h in failed) - first_restart:+.2f} s from the restart"
                if failed
                else "none"
            )
        )

        # --- 2. the friendly page ---------------------------------------------------------
        kinds = Counter(h.kind for h in hits)
        statuses = Counter(h.status for h in failed)
        verdict.check(
            kinds["bare5xx"] == 0,
            f"every failed request got the friendly 503 page: friendly 503 "
            f"{kinds['friendly503']}, bare 5xx {kinds['bare5xx']} (statuses of failures: "
            f"{dict(statuses)})",
        )
        verdict.check(
            kinds["connection"] == 0,
            f"no connection error from gunicorn: {kinds['connection']}",
        )
        for h in [h for h in failed if h.kind != "friendly503"][:5]:
            verdict.note(f"        e.g. {h.method} {h.path} → {h.status}: {h.text[:160]!r}")

        # --- 3. submissions ---------------------------------------------------------------
        from kpi.models import FilingVersion

        attempts = [a for s in states for a in s.attempts]
        touched = {key for s in states for key in s.touched}
        alliance_ids = {pk for pk, _ in touched}
        versions = Counter(
            (pk, kind)
            for pk, kind in FilingVersion.objects.filter(
                filing__alliance_year__alliance_id__in=alliance_ids
            ).values_list("filing__alliance_year__alliance_id", "filing__kind")
        )
        acknowledged = [a for a in attempts if a.result == "acknowledged"]
        lost = [a for a in acknowledged if versions[(a.alliance, a.kind)] == 0]
        verdict.check(
            not lost,
            f"no submission lost: {len(acknowledged)} acknowledged (302), "
            f"{len(acknowledged) - len(lost)} of them recorded",
        )
        doubles = [k for k, n in versions.items() if n > 1]
        verdict.check(
            not doubles,
            f"no filing submitted twice: {sum(versions.values())} versions for "
            f"{len(versions)} filings",
        )
        unanswered = [a for a in attempts if a.result in ("friendly503", "bare5xx", "connection")]
        went = [a for a in unanswered if a.reload_shows == "submitted"]
        verdict.note(
            f"      submissions answered 503 (or not at all): {len(unanswered)}; the PI's reload "
            f"then showed {len(went)} submitted (done despite the error) and "
            f"{len(unanswered) - len(went)} still open (not done; the PI submitted again)"
        )
        # Which attempt made each version: the one whose request was in flight at its
        # submitted_at. It must be an acknowledged one, or one whose reload showed it done.
        made = FilingVersion.objects.filter(
            filing__alliance_year__alliance_id__in=alliance_ids
        ).values_list("filing__alliance_year__alliance_id", "filing__kind", "submitted_at")
        by_key: dict = {}
        for a in attempts:
            by_key.setdefault((a.alliance, a.kind), []).append(a)
        unexplained = []
        for pk, kind, at in made:
            ts = at.timestamp()
            makers = [a for a in by_key.get((pk, kind), []) if a.start - 0.05 <= ts <= a.end + 0.05]
            if len(makers) != 1 or not (
                makers[0].result == "acknowledged" or makers[0].reload_shows == "submitted"
            ):
                unexplained.append(f"{pk}/{kind}: {[(m.result, m.reload_shows) for m in makers]}")
        verdict.check(
            not unexplained,
            f"each version comes from one attempt the PI saw succeed (a 302, or a 503 then "
            f"a reload showing it submitted): {len(made) - len(unexplained)}/{len(made)}"
            + (f"; unexplained {unexplained[:5]}" if unexplained else ""),
        )
        open_503 = [a for a in unanswered if a.reload_shows == "open"]
        committed_open = [
            a
            for a in open_503
            if any(
                a.start - 0.05 <= at.timestamp() <= a.end + 0.05
                for pk, kind, at in made
                if (pk, kind) == (a.alliance, a.kind)
            )
        ]
        verdict.check(
            not committed_open,
            f"no 503'd submission that the reload showed open was in fact recorded "
            f"({len(committed_open)})",
        )
        refused = [a for a in attempts if a.result == "refused"]
        verdict.note(f"      submissions refused (400, e.g. already submitted): {len(refused)}")
        # The final look: every filing touched, from the PI's page, against the database.
        mismatches = []
        for s in states if alive else []:  # (a dead server shows no page)
            c = Client(s, threading.Event(), codes)
            for pk, kind in dict.fromkeys(s.touched):
                on_page = c.is_submitted(pk, kind)
                in_db = versions[(pk, kind)] > 0
                if on_page != in_db:
                    mismatches.append(f"{pk}/{kind}: page {on_page}, database {in_db}")
        if not alive:
            verdict.note("      (serve-prod is gone: no final look at the filings)")
        verdict.check(
            alive and not mismatches,
            f"the PI's page and the database agree on all {len(touched)} filings touched "
            f"({sum(1 for k in touched if versions[k])} submitted, "
            f"{sum(1 for k in touched if not versions[k])} not yet)"
            + (f": {mismatches[:5]}" if mismatches else ""),
        )
        problems = [f"{s.pi.email}: {s.error}" for s in states if s.error]
        verdict.check(not problems, f"every client ran to the end without error {problems[:3]}")
        if not failed:
            verdict.note("      (no request failed at all: the restart fell between requests)")
    except Exception as exc:  # report, then clean up
        verdict.check(False, f"the script stopped: {type(exc).__name__}: {exc}")
        print(server.tail(), file=sys.stderr)
    finally:
        stop.set()
        if not pg_online():
            try:
                pg_ctl("start")
            except Exception as exc:  # noqa: BLE001
                print(f"COULD NOT START POSTGRESQL: {exc}", file=sys.stderr)
        server.stop()
        common.close_db()
        if not args.keep:
            common.drop_database(url)
    verdict.note(f"      run took {time.monotonic() - t_start:.0f} s")
    return verdict.print()


if __name__ == "__main__":
    raise SystemExit(main())
