"""Task workers leave heartbeats; a task whose worker stopped beating is queued again or,
after its last allowed run, marked failed — and the office sees both (issue 12)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.models import AuditEvent, OutboundEmail, WorkerHeartbeat
from core.tasks import failed_tasks
from core.workers import WORKER_LOST_PATH, beat, recover_stale_tasks
from tests.prod_topology import database_url

ROOT = Path(__file__).resolve().parent.parent


def running_task(worker_ids, *, started_seconds_ago=120, task_path=None, args=()):
    from core.mail import deliver_email

    now = timezone.now()
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task_path or deliver_email.module_path,
        queue_name="email",
        backend_name="default",
        run_after=now - dt.timedelta(seconds=started_seconds_ago),
        started_at=now - dt.timedelta(seconds=started_seconds_ago),
        worker_ids=list(worker_ids),
    )


def heartbeat(worker_id, seconds_ago):
    beat(worker_id, queues="*")
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        beat_at=timezone.now() - dt.timedelta(seconds=seconds_ago)
    )


def test_a_task_of_a_silent_worker_is_queued_again_and_audited(db, settings):
    settings.WORKER_STALE_SECONDS = 60
    heartbeat("dead", seconds_ago=90)
    heartbeat("alive", seconds_ago=5)
    orphan = running_task(["dead"])
    healthy = running_task(["alive"])

    recovered = recover_stale_tasks()

    assert [(r.task_id, r.requeued) for r in recovered] == [(str(orphan.pk), True)]
    orphan.refresh_from_db()
    healthy.refresh_from_db()
    assert orphan.status == "READY" and orphan.started_at is None
    assert healthy.status == "RUNNING"  # its worker is beating: a long task, left alone
    event = AuditEvent.objects.get(action="task.requeued")
    assert event.target_id == str(orphan.pk) and event.before["worker"] == "dead"
    assert recover_stale_tasks() == []  # nothing left to do; idempotent


def test_a_task_without_any_heartbeat_waits_the_stale_time_from_its_start(db, settings):
    settings.WORKER_STALE_SECONDS = 60
    young = running_task(["plain-db-worker"], started_seconds_ago=10)
    old = running_task(["plain-db-worker"], started_seconds_ago=61)
    recover_stale_tasks()
    young.refresh_from_db()
    old.refresh_from_db()
    assert (young.status, old.status) == ("RUNNING", "READY")


def test_after_the_last_allowed_run_the_task_fails_and_its_email_is_given_up(db, settings):
    settings.WORKER_STALE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 3
    email = OutboundEmail.objects.create(
        to=["pi@example.org"], subject="提醒", body_text="…", template="t", language="zh-hant"
    )
    heartbeat("w3", seconds_ago=300)
    task = running_task(["w1", "w2", "w3"], args=[email.pk])

    [recovery] = recover_stale_tasks()

    assert recovery.requeued is False
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path == WORKER_LOST_PATH
    assert "w3" in task.traceback
    assert list(failed_tasks()) == [task]  # listed for the office, unlike a retry
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.FAILED  # not left "queued" for ever
    assert AuditEvent.objects.filter(action="task.worker_lost").count() == 1


def test_a_sent_email_stays_sent_when_its_task_fails_for_good(db, settings):
    settings.TASK_MAX_ATTEMPTS = 1
    email = OutboundEmail.objects.create(
        to=["pi@example.org"],
        subject="已寄出",
        body_text="…",
        template="t",
        language="zh-hant",
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    heartbeat("gone", seconds_ago=600)
    running_task(["gone"], args=[email.pk])
    recover_stale_tasks()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_the_office_sees_workers_pending_emails_and_recoveries(client, office_user, settings):
    settings.WORKER_STALE_SECONDS = 60
    heartbeat("alive-worker", seconds_ago=3)
    heartbeat("silent-worker", seconds_ago=120)
    running_task(["silent-worker"])
    recover_stale_tasks()
    OutboundEmail.objects.create(
        to=["firm@example.com"],
        subject="會員通知",
        body_text="…",
        template="t",
        language="zh-hant",
        status=OutboundEmail.Status.RETRYING,
        attempts=2,
        last_error="ConnectionRefusedError: [Errno 111] Connection refused",
    )
    client.force_login(office_user)
    page = client.get(reverse("office_failed_work")).content.decode()
    assert "alive-worker" in page and "silent-worker" in page
    assert "執行中" in page and "無回應" in page  # running / silent
    assert "等待寄出的郵件" in page and "(1)" in page and "Connection refused" in page
    assert "工作者停止後重新排入佇列" in page


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("workers in separate processes share PostgreSQL in CI")


def start_worker(worker_id: str, log: Path) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    env.update(
        {
            "DATABASE_URL": database_url(),
            "PORTAL_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "alliance_portal.settings_test",
            "WORKER_HEARTBEAT_SECONDS": "0.5",
            "WORKER_STALE_SECONDS": "3",
        }
    )
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "portal_worker",
            "--no-reload",
            "--queue-name",
            "*",
            "--interval",
            "0.2",
            "--no-startup-delay",
            "--worker-id",
            worker_id,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_task_its_task_runs_again_on_another_worker(postgresql, tmp_path):
    """The heartbeat recovery end to end: kill -9 a worker in the middle of a task; the
    other worker notices the silence and the task runs again, to completion, once more."""
    from tests.slow_tasks import note_and_sleep

    marker = tmp_path / "runs.txt"
    log = tmp_path / "workers.log"
    first = start_worker("worker-one", log)
    second = None
    try:
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(worker_id="worker-one").exists(),
            30,
            "the first worker's heartbeat",
        )
        result = note_and_sleep.enqueue(str(marker), 60)
        wait_for(
            lambda: marker.exists() and "start" in marker.read_text(), 30, "the first run to start"
        )
        first.send_signal(signal.SIGKILL)  # dies mid-task: no clean-up, no last beat
        first.wait(10)
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == "RUNNING" and row.worker_ids == ["worker-one"]

        second = start_worker("worker-two", log)
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL",
            60,
            "the task to be recovered and finished",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(20)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.worker_ids == ["worker-one", "worker-two"], log.read_text()
    assert row.return_value == "run 2"
    assert marker.read_text().split() == ["start", "start", "done"]  # killed, then once more
    event = AuditEvent.objects.get(action="task.requeued")
    assert event.target_id == str(row.pk) and event.before["worker"] == "worker-one"
    stopped = WorkerHeartbeat.objects.get(worker_id="worker-two")
    assert stopped.stopped_at is not None and stopped.tasks_run == 1  # a clean stop is noted
    assert WorkerHeartbeat.objects.get(worker_id="worker-one").stopped_at is None


def set_connections_allowed(allowed: bool) -> None:
    """Let nobody but this test connect to the test database (and drop who is connected),
    or let them again: the database 'goes away' for the worker only."""
    import psycopg2

    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (ours,) = cursor.fetchone()
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                f'ALTER DATABASE "{db["NAME"]}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}'
            )
            if not allowed:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> %s",
                    [db["NAME"], ours],
                )
    finally:
        admin.close()


def test_a_worker_outlives_the_database_going_away_and_reruns_its_task(postgresql, tmp_path):
    """The database disappears while a task runs: the task's outcome cannot be written. The
    worker does not die; when the database is back it queues that task again and runs it."""
    from tests.slow_tasks import note_and_sleep

    marker = tmp_path / "runs.txt"
    log = tmp_path / "worker.log"
    worker = start_worker("steady", log)
    try:
        wait_for(
            lambda: WorkerHeartbeat.objects.filter(worker_id="steady").exists(),
            30,
            "the worker's heartbeat",
        )
        result = note_and_sleep.enqueue(str(marker), 3)
        wait_for(lambda: marker.exists() and "start" in marker.read_text(), 30, "the task to start")
        set_connections_allowed(False)
        try:
            wait_for(lambda: "done" in marker.read_text(), 30, "the first run to finish")
            time.sleep(2)  # its outcome cannot be written; the worker waits for the database
            assert worker.poll() is None, log.read_text()
        finally:
            set_connections_allowed(True)
        wait_for(
            lambda: DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL",
            60,
            "the task to run again once the database is back",
        )
        assert worker.poll() is None, log.read_text()  # never stopped
        after = note_and_sleep.enqueue(str(tmp_path / "next.txt"), 0)
        wait_for(
            lambda: DBTaskResult.objects.get(pk=after.id).status == "SUCCESSFUL",
            30,
            "a new task to run",
        )
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(20)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.worker_ids == ["steady", "steady"]
    assert marker.read_text().split() == ["start", "done", "start", "done"]
    event = AuditEvent.objects.get(action="task.requeued", target_id=str(row.pk))
    assert "lost the database" in event.reason
    assert "lost the database" in log.read_text()


def test_a_hook_that_fails_costs_only_that_hook_not_the_sweep(db, settings, monkeypatch):
    """A give-up hook raising (a task whose arguments changed between releases) must not
    stop the heartbeat's sweep: the task is failed all the same, the audit says why."""
    from core import tasks

    settings.WORKER_STALE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 1

    def broken(*args, error):
        raise TypeError("broken() got an unexpected keyword argument")

    monkeypatch.setitem(tasks.GIVE_UP_HANDLERS, "tests.slow_tasks.gone", broken)
    heartbeat("dead", seconds_ago=300)
    first = running_task(["dead"], task_path="tests.slow_tasks.gone", args=[1])
    second = running_task(["dead"])

    recovered = recover_stale_tasks()

    assert {r.task_id for r in recovered} == {str(first.pk), str(second.pk)}
    first.refresh_from_db()
    assert first.status == "FAILED" and first.exception_class_path == WORKER_LOST_PATH
    event = AuditEvent.objects.get(action="task.worker_lost", target_id=str(first.pk))
    assert "its hook failed: TypeError" in event.reason


def test_right_after_an_outage_a_worker_waits_before_judging_others(transactional_db, settings):
    """While the database was away nobody could beat: a worker back first must give the
    others WORKER_STALE_SECONDS to beat again before it takes their tasks."""
    import time as clock
    from types import SimpleNamespace

    from core.workers import Heart

    settings.WORKER_STALE_SECONDS = 60
    heartbeat("busy-but-alive", seconds_ago=90)  # could not beat during the outage
    task = running_task(["busy-but-alive"])
    heart = Heart(SimpleNamespace(worker_id="back-first", queue_names=["*"], _run_tasks=0))

    heart.pulse()  # just reached the database again
    task.refresh_from_db()
    assert task.status == "RUNNING"

    heart.reachable_since = clock.monotonic() - 61  # reachable for longer than the limit
    heart.pulse()
    task.refresh_from_db()
    assert task.status == "READY"


def test_a_late_outcome_of_a_recovered_run_is_dropped(transactional_db, caplog):
    """A worker wrongly judged lost finishes after its task was recovered and claimed
    again: its outcome must not be written over the new run's row."""
    from core.management.commands.portal_worker import BeatingWorker
    from tests.slow_tasks import recovered_while_running

    result = recovered_while_running.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim("a")
    worker = BeatingWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="a",
        excluded_queue_names=[],
    )
    worker.run_task(row)

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == "RUNNING" and row.worker_ids == ["a", "b"]  # the new run's
    assert row.return_value is None
    assert "outcome SUCCESSFUL dropped" in caplog.text


def test_a_recovered_export_is_made_again_and_one_given_up_says_failed(db, settings, make_user):
    from reports.models import Export, ExportKind
    from reports.services import export_task

    settings.WORKER_STALE_SECONDS = 60
    owner = make_user("exporter@example.org")
    export = Export.objects.create(
        owner=owner, kind=ExportKind.SUMMARY_XLSX, roc_year=106, status=Export.Status.RUNNING
    )
    heartbeat("died", seconds_ago=300)
    running_task(["died"], task_path=export_task.module_path, args=[export.pk])
    recover_stale_tasks()
    export.refresh_from_db()
    assert export.status == Export.Status.QUEUED  # the next run may claim it again

    settings.TASK_MAX_ATTEMPTS = 1
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING)
    running_task(["died"], task_path=export_task.module_path, args=[export.pk])
    recover_stale_tasks()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED and "WorkerLost" in export.error


def test_task_rows_written_before_the_layering_name_the_moved_tasks(db):
    """Rows queued (or failed) under the old module paths are renamed by the migration, so
    they still run and the office's list still reads them."""
    import importlib

    from django.apps import apps as global_apps
    from django.utils.module_loading import import_string

    migration = importlib.import_module("core.migrations.0007_moved_task_paths")
    rows = {old: running_task(["w1"], task_path=old) for old in migration.MOVED}
    migration.rename(global_apps, None)
    for old, row in rows.items():
        row.refresh_from_db()
        assert row.task_path == migration.MOVED[old]
        assert import_string(row.task_path).module_path == row.task_path


def test_a_recovered_task_runs_the_hook_of_a_module_this_worker_never_imported(
    db, settings, monkeypatch
):
    """A fresh worker recovering a dead worker's task has not imported its module: the
    recovery imports it, so its give-up hook runs (a background import becomes failed)."""
    import sys

    from core import tasks

    settings.WORKER_STALE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 1
    path = "tests.hooked_tasks.hooked"
    monkeypatch.delitem(sys.modules, "tests.hooked_tasks", raising=False)
    monkeypatch.delitem(tasks.GIVE_UP_HANDLERS, path, raising=False)
    heartbeat("dead", seconds_ago=300)
    row = running_task(["dead"], task_path=path, args=[7])

    recover_stale_tasks()

    row.refresh_from_db()
    assert row.status == "FAILED"
    assert sys.modules["tests.hooked_tasks"].GIVEN_UP == [(7, "WorkerLost")]
