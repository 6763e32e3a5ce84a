"""Start `scripts/serve-prod` (two gunicorn instances and task workers, production settings)
on the test database, for tests that drive the real topology over HTTP."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Topology:
    """The processes of serve-prod and the two base URLs."""

    def __init__(self, tmp_path: Path, **env):
        self.port_a, self.port_b = free_port(), free_port()
        self.a = f"http://127.0.0.1:{self.port_a}"
        self.b = f"http://127.0.0.1:{self.port_b}"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.log = tmp_path / "serve-prod.log"
        environ = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "PORTAL_", "DEBUG", "SECRET_KEY", "DEMO_"))
        }
        environ.update(
            {
                "DATABASE_URL": database_url(),
                "PORTAL_VAR_DIR": str(tmp_path / "var"),
                "PORT_A": str(self.port_a),
                "PORT_B": str(self.port_b),
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
                "SECRET_KEY": "serve-prod-test-" + "s3cr3t" * 8,
                "MAILERS": (
                    '{"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",'
                    f' "OPTIONS": {{"file_path": "{self.mail_dir}"}}}}}}'
                ),
                "WORKER_HEARTBEAT_SECONDS": "1",
                "WORKER_STALE_SECONDS": "5",
            }
        )
        environ.update(env)
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve-prod")],
            cwd=ROOT,
            env=environ,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout=90) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve-prod exited:\n{self.output()}")
            try:
                answers = [requests.get(f"{base}/healthz", timeout=5) for base in (self.a, self.b)]
                if all(r.status_code == 200 for r in answers):
                    return
                last = answers[-1].text
            except requests.ConnectionError as exc:
                last = str(exc)
            time.sleep(0.5)
        raise AssertionError(f"serve-prod not healthy in {timeout} s: {last}\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for child in children:  # anything that outlived the script
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(children, timeout=10)

    def sent_messages(self) -> list[str]:
        return [p.read_text(errors="replace") for p in sorted(self.mail_dir.iterdir())]


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
