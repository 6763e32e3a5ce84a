"""/healthz for load balancers, and the page a request gets when the database is away."""

import json

import pytest
from django.utils import timezone

from alliance_portal import health
from core.workers import beat
from tests.test_deploy_settings import manage


@pytest.fixture(autouse=True)
def _fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrations_ok_at", 0.0)


def test_healthy_with_the_database_migrated_and_a_worker_beating(client, db):
    beat("w1", queues="*")
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer["Cache-Control"].startswith("max-age=0")
    body = answer.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["migrations"] == {"ok": True, "unapplied": 0}
    assert body["checks"]["worker"]["workers"] == 1


def test_no_worker_beating_recently_is_503_with_the_reason(client, db, settings):
    settings.WORKER_STALE_SECONDS = 60
    beat("old", queues="*")
    from core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update(beat_at=timezone.now() - timezone.timedelta(minutes=5))
    beat("stopped", queues="*", stopped=True)  # stopped cleanly: not a live worker either
    answer = client.get("/healthz")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["worker"]["ok"] is False
    assert "no task worker beat in the last 60 s" in body["reason"]


def test_unapplied_migrations_are_503(client, db, monkeypatch):
    beat("w1", queues="*")

    class Pending:
        app_label, name = "kpi", "9999_future"

    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [(Pending, False)]
    )
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert "unapplied migrations: kpi.9999_future" in answer.json()["reason"]


def test_liveness_needs_no_database(client):
    # No db fixture: any query would raise "Database access not allowed".
    answer = client.get("/healthz/live")
    assert answer.status_code == 200 and answer.content == b"ok\n"


PROBE = (
    "from django.test import Client; import json; c = Client(raise_request_exception=False); "
    "h = c.get('/healthz'); print(h.status_code); print(json.dumps(h.json())); "
    "p = c.get('/directory/'); print(p.status_code, p.get('Retry-After')); "
    "print('系統暫時無法服務' in p.content.decode(), 'Temporarily unavailable' in "
    "p.content.decode())"
)


@pytest.mark.smoke
def test_database_unreachable_healthz_503_and_pages_get_the_friendly_503(tmp_path):
    result = manage(
        "shell",
        "-c",
        PROBE,
        tmp_path=tmp_path,
        DATABASE_URL="postgres://alliance@127.0.0.1:9/nowhere",
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="testserver",
    )
    assert result.returncode == 0, result.stderr
    status, body, page, texts = result.stdout.strip().splitlines()[-4:]
    assert status == "503"
    checks = json.loads(body)
    assert checks["checks"]["database"]["ok"] is False
    assert checks["reason"] == "database: the database cannot be reached"
    assert "5432" not in body and ":9" not in body  # no host or port for the public
    assert page == "503 30"  # a page needing the database: 503, try again in 30 s
    assert texts == "True True"  # in both languages, saying it may not have been saved


def test_a_database_error_that_is_not_an_outage_stays_a_500(db, rf):
    """A deadlock or a timeout while the database answers is a server error, not "try
    again later"; a lost connection is the 503."""
    from django.db.utils import InterfaceError, OperationalError

    try:
        raise OperationalError("deadlock detected")
    except OperationalError:
        deadlock = health.server_error(rf.get("/"))
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        lost = health.server_error(rf.get("/"))
    assert deadlock.status_code == 500 and "系統發生錯誤" in deadlock.content.decode()
    assert lost.status_code == 503 and lost["Retry-After"] == "30"
    assert lost["Content-Type"] == "text/html; charset=utf-8"


def test_a_balancer_asking_by_address_over_http_gets_an_answer(client, db, settings):
    """Host validation and the HTTPS redirect do not stand between a balancer and the
    checks; every other page still refuses an unknown host."""
    settings.SECURE_SSL_REDIRECT = True
    beat("w1", queues="*")
    answer = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    assert client.get("/healthz/live", HTTP_HOST="10.0.0.5:8000").content == b"ok\n"
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/", HTTP_HOST="testserver").status_code == 301  # to HTTPS
