"""Benchmark of bounded imports (docs/security.md, "uploads"), through a real server process.

    .venv/bin/python bench/imports.py [--repeat 3]   # the figures in docs/performance.md
    .venv/bin/python bench/imports.py --quick        # CI: the bomb, and a 200-row preview

It drops and creates the PostgreSQL database of --database-url (its name must contain
"bench"; the role needs CREATEDB), migrates it, adds one alliance-year and its PI, starts
gunicorn (one sync worker, as in production) on 127.0.0.1, logs in as the PI and then:

1. uploads the zip bomb of the outside probe (a 200 kB members workbook whose shared
   strings inflate to one 200 MB string) to the members import: the answer's time and the
   worker's peak resident memory (VmHWM) before and after. Limits: answered in < 2 s,
   peak up by < 50 MB, the refusal names the limit;
2. previews a members workbook at the row cap (IMPORT_LIMITS["rows"], 1,000 by default;
   200 rows with --quick) --repeat times: the median must be ≤ 10 s (not judged in --quick).

Exit status: 0 pass; 1 a limit failed; 2 refused (bad arguments, not a bench database);
3 the server did not start or answered wrongly.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# Run as `python bench/imports.py`, bench/ is first on the path: the repository root goes
# there instead (bench/reports.py would shadow the portal's reports app).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from bench.reports import database_from_env, recreate_database  # noqa: E402

BOMB_SECONDS = 2.0
BOMB_MEGABYTES = 50.0
PREVIEW_SECONDS = 10.0
PASSWORD = "bench-imports-password"
PI_EMAIL = "pi@bench.example.org"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://alliance@127.0.0.1:5432/alliance_bench_imports"
        ),
    )
    parser.add_argument("--port", type=int, default=18731)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    return parser.parse_args(argv)


def setup(database_url: str) -> tuple[int, int]:
    """A fresh database with one alliance-year (MECH001, 106) and its PI; its row cap."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")
    os.environ.setdefault("PORTAL_ENV", "test")
    os.environ["DEBUG"] = "false"
    recreate_database(database_from_env(force=False))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    from accounts.services import user_create
    from alliances.models import (
        Alliance,
        AllianceRole,
        AllianceYear,
        Field,
        ProgrammeYear,
        RoleStatus,
        TeamRole,
        TeamType,
    )
    from alliances.reference import ensure_fields
    from core.workbooks import limits

    ensure_fields()
    alliance = Alliance.objects.create(
        code="MECH001",
        name_zh="智慧精密加工產學小聯盟",
        field=Field.objects.get(code="mech"),
        institution="國立成功大學",
        team_type=TeamType.SAME_SCHOOL,
    )
    year = ProgrammeYear.objects.create(roc_year=106, **ProgrammeYear.calendar_defaults(106))
    AllianceYear.objects.create(
        alliance=alliance,
        programme_year=year,
        phase=1,
        phase_year=2,
        subsidy=2_000_000,
        collaboration_weight=100,
    )
    pi = user_create(email=PI_EMAIL, name="林主持人", password=PASSWORD)
    AllianceRole.objects.create(
        alliance=alliance, user=pi, role=TeamRole.PI, status=RoleStatus.ACTIVE
    )
    from django.db import connections

    connections.close_all()
    return alliance.pk, limits().rows


def serve(port: int, var_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(var_dir),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "alliance_portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--worker-class=sync",
            "--timeout=300",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(var_dir / "gunicorn.log", "wb"),  # noqa: SIM115 - lives with the server
    )
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/live", timeout=2).ok:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    server.kill()
    print("the server did not start: see", var_dir / "gunicorn.log", file=sys.stderr)
    raise SystemExit(3)


def worker_pid(server: subprocess.Popen) -> int:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0])


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def log_in(base: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": PI_EMAIL, "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )
    if "/accounts/login/" in answer.url:
        print("could not log in as the PI", file=sys.stderr)
        raise SystemExit(3)
    return session


def upload(session, base: str, pk: int, data: bytes) -> tuple[float, str]:
    url = f"{base}/alliances/{pk}/members/import/"
    page = session.get(url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    started = time.perf_counter()
    answer = session.post(
        url,
        data={"csrfmiddlewaretoken": token},
        files={"workbook": ("members.xlsx", data)},
        headers={"Referer": url},
        timeout=600,
    )
    seconds = time.perf_counter() - started
    if answer.status_code != 200:
        print(f"the import answered {answer.status_code}", file=sys.stderr)
        raise SystemExit(3)
    return seconds, answer.text


def members_workbook(rows: int) -> bytes:
    from members.ubn import complete_ubn
    from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

    return workbook_bytes(
        {
            "成員": [
                MEMBER_HEADERS,
                *(
                    member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}")
                    for i in range(rows)
                ),
            ]
        }
    )


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{platform.node()} · {os.cpu_count()} cores · {cpu} · Python {platform.python_version()}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    pk, cap = setup(args.database_url)
    rows = 200 if args.quick else cap
    from tests.workbook_helpers import bomb

    failures = []
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as folder:
        server = serve(args.port, Path(folder))
        try:
            base = f"http://127.0.0.1:{args.port}"
            session = log_in(base)
            upload(session, base, pk, members_workbook(2))  # warm the worker up
            pid = worker_pid(server)
            data = bomb()
            before = peak_rss_mb(pid)
            seconds, page = upload(session, base, pk, data)
            after = peak_rss_mb(pid)
            refused = "解壓縮後為 200 MB" in page
            print(machine())
            print(f"database: PostgreSQL · rows cap: {cap}")
            print(
                f"zip bomb ({len(data) / 1024:.0f} kB → 200 MB): answered in {seconds:.3f} s "
                f"(limit {BOMB_SECONDS} s); worker peak RSS {before:.1f} → {after:.1f} MB, "
                f"+{after - before:.1f} MB (limit {BOMB_MEGABYTES:.0f} MB); refused with "
                f"the limit named: {'yes' if refused else 'NO'}"
            )
            if seconds >= BOMB_SECONDS or after - before >= BOMB_MEGABYTES or not refused:
                failures.append("zip bomb")
            workbook = members_workbook(rows)
            times = []
            for _ in range(args.repeat):
                seconds, page = upload(session, base, pk, workbook)
                if f"{rows}</td>" not in page.replace(",", ""):
                    print("the preview did not count every row", file=sys.stderr)
                    return 3
                times.append(seconds)
            median = statistics.median(times)
            print(
                f"members preview of {rows} rows ({len(workbook) / 1024:.0f} kB): median "
                f"{median:.2f} s of {len(times)} ("
                + ", ".join(f"{t:.2f}" for t in times)
                + ")"
                + ("" if args.quick else f"; limit {PREVIEW_SECONDS:.0f} s")
            )
            if not args.quick and median > PREVIEW_SECONDS:
                failures.append("preview at the row cap")
        finally:
            server.terminate()
            server.wait(timeout=30)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("PASSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
