"""What the fault scripts share: a database of their own, the production processes, a few
alliances with open filings, logged-in HTTP clients, an SMTP sink and a summary block.

Each script runs from the repository root (`.venv/bin/python bench/faults/<name>.py`) on
a database whose name contains "faults" (dropped and made anew, through the `postgres`
maintenance database, by the role of DATABASE_URL, which needs CREATEDB). The script
itself sets Django up on that database (production settings, as the servers have them)
to build the data and to read the outcome; the servers run as separate processes.
"""

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SERVE_PROD = ROOT / "scripts" / "serve-prod"
PG = "postgres://alliance@127.0.0.1:5432"
PASSWORD = "faults-Password-2026"  # noqa: S105 (a throw-away database's accounts)
FRIENDLY_503 = "系統暫時無法服務"
ROC_YEAR = 115  # 2026: its second KPI filing is open in December; the expected
# outcomes' window is stretched to the end of the year so that both can be submitted.
BUSY = re.compile(r"pytest|bench/load|ci/run")


T0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {message}", flush=True)


def refuse(message: str) -> None:
    print(message, file=sys.stderr)
    raise SystemExit(2)


# --- the database ----------------------------------------------------------------------


def database_url(name: str) -> str:
    if "faults" not in name:
        refuse(f"refused: the database name must contain 'faults' ({name!r} does not)")
    base = os.environ.get("FAULTS_PG", PG).rstrip("/")
    return f"{base}/{name}"


def _maintenance(url: str):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn


def recreate_database(url: str) -> None:
    import dj_database_url

    from bench.reports import recreate_database as recreate

    recreate(dj_database_url.parse(url))


def drop_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    try:
        conn = _maintenance(url)
    except Exception as exc:  # PostgreSQL away: leave it, the next run drops it
        log(f"could not drop {name}: {exc}")
        return
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()


_LOCKS: list = []


def single_instance(script: str) -> None:
    """Refuse to run beside another run of the same script (same database, same ports)."""
    import fcntl

    path = ROOT / "var" / "bench-faults" / f"{script}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        refuse(f"refused: another {script} run is in progress ({path})")
    _LOCKS.append(handle)  # held until this process ends


def portal_env(url: str, script: str, **settings) -> dict:
    """The environment of serve-prod (and of this process's Django) for one script."""
    var = ROOT / "var" / "bench-faults" / script
    var.mkdir(parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PORTAL_", "DEBUG", "SECRET_KEY", "DEMO_", "MAILER"))
    }
    env.update(
        {
            "PORTAL_ENV": "production",
            "DATABASE_URL": url,
            "PORTAL_VAR_DIR": str(var),
            "SECRET_KEY": "faults-" + secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DJANGO_SETTINGS_MODULE": "alliance_portal.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update({k: str(v) for k, v in settings.items()})
    return env


def setup_django(env: dict) -> None:
    """Django in this process, on the script's database, with the servers' settings."""
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)


def close_db() -> None:
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.close()


def postgres_busy() -> list[str]:
    """Other users of this PostgreSQL that a restart would break (tests, benchmarks, CI)."""
    me = os.getpid()
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.info["pid"] == me:
            continue
        cmd = " ".join(proc.info["cmdline"] or [])
        if BUSY.search(cmd) and "grep" not in cmd:
            found.append(f"{proc.info['pid']}: {cmd[:120]}")
    return found


# --- processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start(cmd: list, env: dict, logfile: Path) -> subprocess.Popen:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(c) for c in cmd],
        cwd=ROOT,
        env=env,
        stdout=logfile.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def kill_tree(proc: subprocess.Popen | None, *, grace: float = 20) -> None:
    """SIGTERM the process (serve-prod passes it on), then SIGKILL what is left of its tree."""
    if proc is None:
        return
    try:
        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    for p in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(tree, timeout=10)
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


def wait_http(url: str, *, timeout: float = 90, proc=None, logfile=None, want=200) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = logfile.read_text(errors="replace")[-3000:] if logfile else ""
            raise RuntimeError(f"process exited ({proc.returncode}) before {url} answered:\n{tail}")
        try:
            r = requests.get(url, timeout=5)
            if r.status_code == want:
                return
            last = f"{r.status_code} {r.text[:300]}"
        except requests.RequestException as exc:
            last = str(exc)
        time.sleep(0.3)
    raise RuntimeError(f"{url} not {want} in {timeout:g} s: {last}")


class ServeProd:
    """scripts/serve-prod on the script's ports and var directory."""

    def __init__(self, env: dict, port_a: int, port_b: int, logfile: Path):
        for port in (port_a, port_b):
            if not port_free(port):
                refuse(f"refused: port {port} is in use (another fault script running?)")
        self.env = {**env, "PORT_A": str(port_a), "PORT_B": str(port_b)}
        self.bases = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]
        self.logfile = logfile
        logfile.write_text("")
        self.proc = None

    def start(self, timeout: float = 120) -> None:
        self.proc = start([SERVE_PROD], self.env, self.logfile)
        for base in self.bases:
            wait_http(base + "/healthz", timeout=timeout, proc=self.proc, logfile=self.logfile)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> dict:
        """gunicorn masters/workers and task workers under serve-prod, by kind."""
        out = {"gunicorn": [], "worker": []}
        if not self.alive():
            return out
        for p in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                cmd = " ".join(p.cmdline())
            except psutil.NoSuchProcess:
                continue
            if "gunicorn" in cmd:
                out["gunicorn"].append(p.pid)
            elif "portal_worker" in cmd:
                out["worker"].append(p.pid)
        return out

    def stop(self) -> None:
        kill_tree(self.proc)

    def tail(self, n: int = 4000) -> str:
        return self.logfile.read_text(errors="replace")[-n:]


# --- data ------------------------------------------------------------------------------


@dataclass
class Pi:
    email: str
    name: str
    alliances: list = field(default_factory=list)  # alliance ids


def build_alliances(n_pis: int, per_pi: int, *, prefix: str = "pi") -> list[Pi]:
    """`n_pis` PIs, each PI of `per_pi` alliances with a programme-year-115 alliance-year
    whose expected outcomes and second KPI filing are open today; one member firm on file
    (for ledger records). Every account's password is PASSWORD."""
    import datetime as dt

    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.services import user_create
    from alliances.models import (
        Alliance,
        AllianceRole,
        AllianceYear,
        Field,
        ProgrammeYear,
        TeamRole,
        TeamType,
    )
    from alliances.reference import ensure_fields
    from members.models import Firm

    ensure_fields()
    calendar = ProgrammeYear.calendar_defaults(ROC_YEAR)
    calendar["expected_outcomes_opens"] = dt.date(2026, 1, 1)
    calendar["expected_outcomes_due"] = dt.date(2026, 12, 31)
    year, _ = ProgrammeYear.objects.update_or_create(roc_year=ROC_YEAR, defaults=calendar)
    Firm.objects.get_or_create(ubn="22099131", defaults={"name": "精密機械股份有限公司"})
    field_ = Field.objects.get(code="mech")
    hashed = make_password(PASSWORD)
    pis = []
    with transaction.atomic():
        serial = Alliance.objects.count()
        for i in range(n_pis):
            name = f"測試主持人{i:02d}"
            user = user_create(email=f"{prefix}{i:02d}@faults.example.org", name=name)
            user.password = hashed
            user.save(update_fields=["password"])
            alliances = Alliance.objects.bulk_create(
                Alliance(
                    code=f"FLT{serial + i * per_pi + j:05d}",
                    name_zh=f"故障測試產學小聯盟{serial + i * per_pi + j:05d}",
                    field=field_,
                    institution="國立成功大學",
                    team_type=TeamType.SAME_SCHOOL,
                )
                for j in range(per_pi)
            )
            AllianceRole.objects.bulk_create(
                AllianceRole(alliance=a, user=user, role=TeamRole.PI, status="active")
                for a in alliances
            )
            AllianceYear.objects.bulk_create(
                AllianceYear(
                    alliance=a,
                    programme_year=year,
                    phase=1,
                    phase_year=1,
                    subsidy=2_000_000,
                    collaboration_weight=100,
                )
                for a in alliances
            )
            pis.append(Pi(email=user.email, name=name, alliances=[a.pk for a in alliances]))
    return pis


def make_user(email: str, name: str, *, office: bool = False):
    """An account with PASSWORD; an office account gets TOTP, as production requires.
    Returns (user, totp secret or None)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import ProgrammeRole
    from accounts.services import user_create

    role = ProgrammeRole.OFFICE if office else ProgrammeRole.NONE
    user = user_create(email=email, name=name, programme_role=role)
    user.password = make_password(PASSWORD)
    user.save(update_fields=["password"])
    secret = None
    if office:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        secret = generate_totp_secret()
        TOTP.activate(user, secret)
    return user, secret


def totp_code(secret: str) -> str:
    """RFC 6238 code of now (allauth's own HOTP, its period and digits)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


# --- HTTP ------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def classify(response: requests.Response | None, error: Exception | None = None) -> str:
    """ok (< 500), friendly503, bare5xx, or connection (no HTTP answer at all)."""
    if error is not None or response is None:
        return "connection"
    if response.status_code < 500:
        return "ok"
    # The page says <meta charset="utf-8">, as a browser reads it (whatever the header says).
    if response.status_code == 503 and FRIENDLY_503 in response.content.decode("utf-8", "replace"):
        return "friendly503"
    return "bare5xx"


@dataclass
class Hit:
    """One request: when it started and ended, what it asked, what came back."""

    start: float
    end: float
    method: str
    path: str
    status: int | None
    kind: str  # ok, friendly503, bare5xx, connection (see classify)
    text: str = ""


class Browser:
    """A logged-in person: a requests session that keeps every answer's class."""

    def __init__(self, base: str, timeout: float = 30):
        self.base = base
        self.session = requests.Session()
        self.timeout = timeout
        self.log: list[Hit] = []

    def request(self, method: str, path: str, **kw):
        kw.setdefault("timeout", self.timeout)
        kw.setdefault("allow_redirects", False)
        t = time.time()
        try:
            r = self.session.request(method, self.base + path, **kw)
        except requests.RequestException as exc:
            self.log.append(Hit(t, time.time(), method, path, None, "connection", str(exc)[:300]))
            return None
        kind = classify(r)
        text = ""
        if kind != "ok":
            body = r.content.decode("utf-8", "replace")[:300]
            head = f"{r.headers.get('Content-Type')}; Retry-After {r.headers.get('Retry-After')}"
            text = f"[{head}] {body}"
        self.log.append(Hit(t, time.time(), method, path, r.status_code, kind, text))
        return r

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict, *, token_from: str | None = None, **kw):
        html_path = token_from or path
        page = self.get(html_path)
        if page is None or page.status_code != 200:
            return page
        data = {**data, "csrfmiddlewaretoken": csrf_of(page.text)}
        return self.request("POST", path, data=data, **kw)

    def adopt_session(self, email_: str) -> None:
        """Logged in without the login form: a session made here, as Django's test client
        does (the form allows 30 logins a minute from one address, and each costs a
        password hash)."""
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            get_user_model,
        )
        from django.contrib.sessions.backends.db import SessionStore

        user = get_user_model().objects.get(email=email_)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        self.session.cookies.set("sessionid", store.session_key)

    def login(self, email_: str, *, totp_secret: str | None = None) -> None:
        r = self.post("/accounts/login/", {"login": email_, "password": PASSWORD})
        if r is None or r.status_code != 302:
            raise RuntimeError(f"login of {email_} failed: {r and r.status_code}")
        if "2fa" in r.headers.get("Location", ""):
            if not totp_secret:
                raise RuntimeError(f"{email_} needs a TOTP code")
            r = self.post("/accounts/2fa/authenticate/", {"code": totp_code(totp_secret)})
            if r is None or r.status_code != 302:
                raise RuntimeError(f"2FA of {email_} failed: {r and r.status_code}")


# --- the verdict -----------------------------------------------------------------------


class Verdict:
    """Checks with their outcome; the summary block and the exit status."""

    def __init__(self, title: str):
        self.title = title
        self.lines: list[str] = []
        self.failures: list[str] = []

    def note(self, line: str) -> None:
        self.lines.append(line)

    def check(self, ok: bool, line: str) -> bool:
        self.lines.append(("PASS  " if ok else "FAIL  ") + line)
        if not ok:
            self.failures.append(line)
        return ok

    def print(self) -> int:
        bar = "=" * 78
        print(f"\n{bar}\n{self.title}\n{bar}")
        for line in self.lines:
            print(line)
        status = "FAILED" if self.failures else "PASSED"
        print(f"{bar}\nRESULT: {status} ({len(self.failures)} violation(s))\n{bar}", flush=True)
        return 1 if self.failures else 0
