"""Task workers that can die: heartbeats, and recovery of the tasks they were running.

django-tasks-db claims a task by marking its row RUNNING with the worker's id; a worker
killed in the middle (a machine lost, `kill -9`, out of memory) leaves that row RUNNING for
ever. Here every worker process (`manage.py portal_worker`) beats: it writes its
`WorkerHeartbeat` row every WORKER_HEARTBEAT_SECONDS from a thread of its own, so a long
task does not silence it. On each beat it also looks for running tasks whose worker has
been silent for WORKER_STALE_SECONDS and

- puts each back in the queue (READY) while it has had fewer than TASK_MAX_ATTEMPTS runs —
  every task of the portal may run again: emails are guarded by their SENT status, exports,
  bulk issues and reminders by their own rows;
- else marks it failed with `WorkerLost`, calls the task's give-up handler (an email
  becomes FAILED), and the office sees it on /office/background-work/.

Any worker does this for any other, on any machine; the rows are locked with SKIP LOCKED
so two workers never recover the same task. Each recovery leaves an audit event. Three
guards keep a living worker's task from running twice at once:

- after the database was away (nobody could beat), a worker judges others only once it has
  reached the database for WORKER_STALE_SECONDS in a row (`Heart`);
- a recovered run's late outcome is dropped: portal_worker writes an outcome only while the
  row still has the started_at of its own claim;
- a worker that could not write its outcome during an outage requeues its own task when
  the database is back (`recover_own_tasks`).

Tasks with a row of their own reset it when requeued (`on_requeue` of retrying_task: an
export goes back to QUEUED) and close it when given up (`on_give_up`).
"""

import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from core import audit
from core.models import WorkerHeartbeat
from core.tasks import GIVE_UP_HANDLERS, REQUEUE_HANDLERS


def _handler(handlers: dict, task_path: str):
    """The hook a task module registered, importing the module first: a fresh worker may
    recover a task whose module it has not run yet (its hooks are registered on import)."""
    if task_path not in handlers:
        with contextlib.suppress(ImportError, AttributeError, ValueError):
            import_string(task_path)
    return handlers.get(task_path)


# The errors of a database that is away (a lost or refused connection): workers wait for it
# (portal_worker), pages answer 503 (alliance_portal/health.py).
DATABASE_DOWN = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker running this task stopped beating; the task was not retried again."""


WORKER_LOST_PATH = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def beat(worker_id: str, *, queues: str, tasks_run: int = 0, stopped: bool = False) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "beat_at": now,
            "tasks_run": tasks_run,
            "stopped_at": now if stopped else None,
        },
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "queues": queues[:255],
            "started_at": now,
            "beat_at": now,
            "tasks_run": tasks_run,
            "stopped_at": now if stopped else None,
        },
    )


def live_workers():
    """Workers that beat within WORKER_STALE_SECONDS and have not stopped."""
    since = timezone.now() - timezone.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    return WorkerHeartbeat.objects.filter(beat_at__gte=since, stopped_at__isnull=True)


def prune_heartbeats(*, days: int = 7) -> int:
    """Forget workers silent for a week (every restart makes a new one)."""
    since = timezone.now() - timezone.timedelta(days=days)
    return WorkerHeartbeat.objects.filter(beat_at__lt=since).delete()[0]


@dataclass(frozen=True)
class Recovery:
    task_id: str
    task_path: str
    requeued: bool
    worker_id: str


def recover_stale_tasks(*, now=None) -> list[Recovery]:
    """Requeue or fail the running tasks whose worker went silent (see the module doc)."""
    now = now or timezone.now()
    stale_before = now - timezone.timedelta(seconds=settings.WORKER_STALE_SECONDS)
    with transaction.atomic():
        running = list(
            DBTaskResult.objects.running()
            .filter(started_at__lt=stale_before)
            .select_for_update(skip_locked=True)
        )
        if not running:
            return []
        last_worker = {task.pk: (task.worker_ids or [""])[-1] for task in running}
        beats = {
            hb.worker_id: hb
            for hb in WorkerHeartbeat.objects.filter(worker_id__in=set(last_worker.values()))
        }
        lost = []
        for task in running:
            heartbeat = beats.get(last_worker[task.pk])
            # A worker without a heartbeat row (a plain db_worker) is judged by the task's
            # start: running longer than the stale limit with nobody vouching for it.
            if heartbeat is not None and heartbeat.beat_at >= stale_before:
                continue
            since = heartbeat.beat_at.isoformat() if heartbeat else "it started"
            lost.append((task, f"worker silent since {since}"))
        return [r for task, reason in lost if (r := _recover_safely(task, reason))]


def recover_own_tasks(worker_id: str) -> list[Recovery]:
    """Requeue or fail the tasks this worker was running when it lost the database: their
    outcome could not be written, and this worker's fresh heartbeat would otherwise keep
    anyone from recovering them."""
    with transaction.atomic():
        # Not SKIP LOCKED: another worker's sweep may hold these rows for a moment.
        running = [
            task
            for task in DBTaskResult.objects.running().select_for_update()
            if (task.worker_ids or [""])[-1] == worker_id
        ]
        reason = "its worker lost the database while running it"
        return [r for task in running if (r := _recover_safely(task, reason))]


def _recover_safely(task: DBTaskResult, reason: str) -> Recovery | None:
    """One task's recovery in a savepoint of its own: a hook that fails (a task whose
    arguments changed between releases) costs that task's hook, never the sweep."""
    try:
        with transaction.atomic():
            return _recover(task, reason)
    except DatabaseError:
        raise
    except Exception as exc:
        logger.exception("recovering task %s failed in its hook", task.pk)
        with transaction.atomic():
            return _recover(task, reason, hooks=False, hook_error=exc)


def _hook_arguments(task: DBTaskResult) -> tuple[list, dict]:
    args = task.args_kwargs.get("args", [])
    kwargs = {k: v for k, v in task.args_kwargs.get("kwargs", {}).items() if not k.startswith("_")}
    return args, kwargs


def _recover(task: DBTaskResult, reason: str, *, hooks=True, hook_error=None) -> Recovery:
    """Put the task back in the queue, or fail it after its last allowed run (worker ids
    count the runs; a lost worker is not the task's fault, so TASK_MAX_ATTEMPTS applies to
    every task). Its started_at changes, so the lost run can no longer write its outcome
    (portal_worker fences on it)."""
    worker_id = (task.worker_ids or [""])[-1]
    runs = len(task.worker_ids)
    requeue = runs < settings.TASK_MAX_ATTEMPTS
    if hook_error is not None:
        reason += f"; its hook failed: {type(hook_error).__name__}: {hook_error}"
    if requeue:
        task.status = TaskResultStatus.READY
        task.started_at = None
        task.save(update_fields=["status", "started_at"])
        handler = _handler(REQUEUE_HANDLERS, task.task_path) if hooks else None
        if handler is not None:
            args, kwargs = _hook_arguments(task)
            handler(*args, **kwargs)
    else:
        error = WorkerLost(
            f"worker {worker_id} stopped while running this task ({reason}; run {runs} of "
            f"{settings.TASK_MAX_ATTEMPTS}): not retried again. Its work may have been done "
            "in part (an email may have reached the mail server)."
        )
        task.set_failed(error)
        handler = _handler(GIVE_UP_HANDLERS, task.task_path) if hooks else None
        if handler is not None:
            args, kwargs = _hook_arguments(task)
            handler(*args, error=error, **kwargs)
    audit.record(
        actor=None,
        action="task.requeued" if requeue else "task.worker_lost",
        target=task,
        before={"status": "RUNNING", "worker": worker_id, "runs": runs},
        after={"status": task.status},
        reason=reason,
    )
    logger.warning(
        "task %s (%s) of worker %s %s: %s",
        task.pk,
        task.task_path,
        worker_id,
        "queued again" if requeue else "marked failed",
        reason,
    )
    return Recovery(str(task.pk), task.task_path, requeue, worker_id)


class Heart(threading.Thread):
    """The beating thread of one worker process; also recovers other workers' tasks.

    After the database was away, nobody could beat: every other worker looks silent although
    it may be running its task still. So this worker recovers others' tasks only once it
    has reached the database for WORKER_STALE_SECONDS in a row — time for the living to beat
    again."""

    def __init__(self, worker):
        super().__init__(name=f"heartbeat-{worker.worker_id}", daemon=True)
        self.worker = worker
        self.stop = threading.Event()
        self.reachable_since = time.monotonic()  # started: as if after an outage

    def pulse(self) -> None:
        try:
            close_old_connections()
            beat(
                self.worker.worker_id,
                queues=",".join(self.worker.queue_names),
                tasks_run=self.worker._run_tasks,
            )
            if time.monotonic() - self.reachable_since >= settings.WORKER_STALE_SECONDS:
                recover_stale_tasks()
            prune_heartbeats()
        except DatabaseError as exc:  # the database restarting: beat again next time
            logger.warning("heartbeat of %s failed: %s", self.worker.worker_id, exc)
            self.reachable_since = float("inf")
            connection.close()
            return
        except Exception:  # never let the heart stop: a silent worker loses its tasks
            logger.exception("heartbeat of %s failed", self.worker.worker_id)
        if self.reachable_since == float("inf"):
            self.reachable_since = time.monotonic()

    def run(self) -> None:
        try:
            while not self.stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                self.pulse()
        finally:
            connection.close()
