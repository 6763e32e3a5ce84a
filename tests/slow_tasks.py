"""A task for the worker-recovery tests: it notes each start in a file, and its first run
takes long enough to be killed in the middle."""

import time
from pathlib import Path

from django.tasks import task


@task(queue_name="default")
def note_and_sleep(marker: str, first_run_seconds: float) -> str:
    path = Path(marker)
    runs = path.read_text().count("start") if path.exists() else 0
    with path.open("a") as out:
        out.write("start\n")
    time.sleep(first_run_seconds if runs == 0 else 0)
    with path.open("a") as out:
        out.write("done\n")
    return f"run {runs + 1}"


@task(queue_name="default", takes_context=True)
def recovered_while_running(context) -> str:
    """Behaves as if, while it ran, its worker was judged lost and another run claimed the
    row (started_at moves on)."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=context.task_result.id).update(
        started_at=timezone.now() + timezone.timedelta(seconds=5), worker_ids=["a", "b"]
    )
    return "late outcome"
