"""`manage.py portal_worker`: django-tasks-db's db_worker with a heartbeat.

Same options as db_worker (queues, interval, batch, max tasks, worker id). While it runs, a
thread writes the worker's heartbeat and recovers tasks of workers that went silent
(core.workers). Run as many as you like, on as many machines as you like.
"""

import logging
import os
import time
from traceback import format_exception

from django.db import connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from core.workers import DATABASE_DOWN, Heart, beat, recover_own_tasks

logger = logging.getLogger(__name__)


class BeatingWorker(db_worker.Worker):
    """db_worker's loop with a heartbeat, and one that outlives the database going away:
    it waits (1 s, doubling up to 30 s) and carries on, first putting back in the queue the
    task whose outcome it could not write (recover_own_tasks)."""

    def run(self) -> None:
        heart = Heart(self)
        heart.pulse()  # announce ourselves (and recover) before the first task
        heart.start()
        try:
            self._run_through_outages()
        finally:
            heart.stop.set()
            heart.join(timeout=30)  # no beat in flight may undo the "stopped" below
            try:
                beat(
                    self.worker_id,
                    queues=",".join(self.queue_names),
                    tasks_run=self._run_tasks,
                    stopped=True,
                )
            except Exception:  # the database may be gone; the beat just goes stale
                logger.warning("could not record that worker %s stopped", self.worker_id)

    def run_task(self, db_task_result) -> None:
        """Run it as db_worker does, but write its outcome only if it is still this run's:
        were it recovered meanwhile (this worker wrongly judged lost), another run owns the
        row now and this late outcome is dropped, not written over that run's."""
        claimed_at = db_task_result.started_at

        def fenced(**fields) -> None:
            now = timezone.now()
            written = DBTaskResult.objects.filter(
                pk=db_task_result.pk, status=TaskResultStatus.RUNNING, started_at=claimed_at
            ).update(finished_at=now, **fields)
            for name, value in fields.items():
                setattr(db_task_result, name, value)
            db_task_result.finished_at = now
            if not written:
                logger.warning(
                    "task %s was recovered while this worker (%s) ran it: outcome %s dropped",
                    db_task_result.pk,
                    self.worker_id,
                    fields["status"],
                )

        def set_successful(return_value) -> None:
            fenced(
                status=TaskResultStatus.SUCCESSFUL,
                return_value=return_value,
                exception_class_path="",
                traceback="",
            )

        def set_failed(exc: BaseException) -> None:
            fenced(
                status=TaskResultStatus.FAILED,
                return_value=None,
                exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
                traceback="".join(format_exception(exc)),
            )

        db_task_result.set_successful = set_successful
        db_task_result.set_failed = set_failed
        super().run_task(db_task_result)

    def _run_through_outages(self) -> None:
        delay, lost_database = 1.0, False
        while True:
            try:
                if lost_database:
                    recover_own_tasks(self.worker_id)
                    lost_database, delay = False, 1.0
                    logger.warning("worker %s: the database is back", self.worker_id)
                super().run()
                return
            except DATABASE_DOWN as exc:
                if not self.running:
                    return
                lost_database = True
                logger.warning(
                    "worker %s lost the database (%s); trying again in %g s",
                    self.worker_id,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    delay,
                )
                for conn in connections.all(initialized_only=True):
                    conn.close()
                time.sleep(delay)
                delay = min(delay * 2, 30.0)


class Command(db_worker.Command):
    help = "Run a background task worker that leaves a heartbeat (see core.workers)"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = BeatingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
