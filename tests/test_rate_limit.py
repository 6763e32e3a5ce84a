"""Failed-login limits live in a store every process shares (the database cache, or Redis
when REDIS_URL is set), so two app processes enforce one limit."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, os, sys
import django
django.setup()
from django.test import Client
client = Client(REMOTE_ADDR=sys.argv[2], HTTP_HOST=sys.argv[4])
out = []
for _ in range(int(sys.argv[3])):
    r = client.post("/accounts/login/", {"login": sys.argv[1], "password": "wrong-password"})
    html = r.content.decode()
    if "失敗次數過多" in html:
        out.append("limited")
    else:
        out.append("wrong" if "不正確" in html else r.status_code)
print(json.dumps(out))
"""


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s["USER"] or ""
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


def attempts(email: str, ip: str, count: int, host: str = "testserver") -> list:
    env = {**os.environ, "PORTAL_ENV": "test", "DATABASE_URL": database_url()}
    env["DJANGO_SETTINGS_MODULE"] = "alliance_portal.settings_test"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, email, ip, str(count), host],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_two_processes_share_one_failed_login_limit(transactional_db, make_user):
    email = f"target-{uuid.uuid4().hex[:8]}@example.org"
    make_user(email)
    first = attempts(email, "10.0.0.1", 3)
    second = attempts(email, "10.0.0.2", 3)
    assert first == ["wrong", "wrong", "wrong"]
    # Five failures for one address in five minutes, counted across both processes.
    assert second == ["wrong", "wrong", "limited"]


def test_a_second_process_with_another_host_is_refused_too(transactional_db, make_user):
    """The counter is the account's, whatever Host the request names (another port,
    localhost instead of 127.0.0.1) and whichever process answers."""
    email = f"target-{uuid.uuid4().hex[:8]}@example.org"
    make_user(email)
    assert attempts(email, "10.0.0.1", 5, "127.0.0.1:8001") == ["wrong"] * 5
    assert attempts(email, "10.0.0.2", 1, "localhost") == ["limited"]
    assert attempts(email, "10.0.0.3", 1, "127.0.0.1:8002") == ["limited"]


@pytest.mark.parametrize("other_host", ["localhost", "127.0.0.1:8001", "[::1]:9000", "testserver"])
def test_an_account_locked_through_one_host_is_locked_through_every_host(
    client, make_user, other_host
):
    from django.contrib.sites.models import Site

    make_user("locked@example.org")
    for _ in range(5):
        client.post(
            "/accounts/login/",
            {"login": "LOCKED@example.org ", "password": "wrong-password"},
            HTTP_HOST="127.0.0.1:8000",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "locked@example.org", "password": "correct-horse-battery"},
        HTTP_HOST=other_host,
        REMOTE_ADDR="10.9.9.9",
    )
    assert "失敗次數過多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The site row names the portal (allauth greets with it in its emails).
    site = Site.objects.get_current()
    assert (site.name, site.domain) == ("產學小聯盟管考平台", "127.0.0.1:8000")
