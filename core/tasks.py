"""Background work: retries with back-off on top of Django's tasks framework.

django.tasks (with the django-tasks-db backend and `manage.py db_worker`) runs a task once:
it neither retries nor schedules. `retrying_task` adds what the portal needs: when the
function raises, the same task is enqueued again to run after an exponential delay
(base, 4×base, 16×base … seconds), up to `max_attempts` runs in all. An attempt that will be
retried is stored as failed with `RetryScheduled`; the last one with `RetriesExhausted`, and
`failed_tasks()` — what the office sees — lists only failures that will not be retried.
See docs/decisions.md.
"""

import datetime as dt
import functools
import logging

from django.conf import settings
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

ATTEMPT_KWARG = "_attempt"

# task path → hook, for core.workers when a task's worker died under it:
# on_give_up when that was its last allowed run (the function itself never got to give up),
# on_requeue when it is put back in the queue (to reset what the lost run had claimed).
GIVE_UP_HANDLERS: dict = {}
REQUEUE_HANDLERS: dict = {}


class RetryScheduled(Exception):
    """This attempt failed; another one is queued (the cause is chained)."""


class RetriesExhausted(Exception):
    """The last allowed attempt failed; the task will not run again."""


def retry_delay(attempt: int, base_seconds: int | None = None) -> dt.timedelta:
    """Delay before attempt `attempt + 1`: base × 4^(attempt − 1)."""
    base = settings.TASK_RETRY_BASE_SECONDS if base_seconds is None else base_seconds
    return dt.timedelta(seconds=base * 4 ** (attempt - 1))


def retrying_task(
    function=None, *, max_attempts=None, queue_name="default", on_give_up=None, on_requeue=None
):
    """Like @task, and retried with back-off when the function raises.

    `on_give_up(*args, error=exc, **kwargs)` runs once after the last failed attempt (also
    when the worker running the last allowed run died). `on_requeue(*args, **kwargs)` runs
    when a run whose worker died is put back in the queue (core.workers).
    """

    def decorate(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            limit = max_attempts or settings.TASK_MAX_ATTEMPTS
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                if attempt >= limit:
                    logger.error("%s gave up after %d attempts", func.__qualname__, attempt)
                    if on_give_up is not None:
                        on_give_up(*args, error=exc, **kwargs)
                    raise RetriesExhausted(
                        f"{func.__qualname__} failed {attempt} times: {exc}"
                    ) from exc
                run_after = timezone.now() + retry_delay(attempt)
                the_task.using(run_after=run_after).enqueue(
                    *args, **{**kwargs, ATTEMPT_KWARG: attempt + 1}
                )
                logger.warning(
                    "%s attempt %d failed (%s); retry at %s",
                    func.__qualname__,
                    attempt,
                    exc,
                    run_after.isoformat(),
                )
                raise RetryScheduled(f"attempt {attempt} of {limit} failed: {exc}") from exc

        the_task = task(run, queue_name=queue_name)
        if on_give_up is not None:
            GIVE_UP_HANDLERS[the_task.module_path] = on_give_up
        if on_requeue is not None:
            REQUEUE_HANDLERS[the_task.module_path] = on_requeue
        return the_task

    if function is not None:
        return decorate(function)
    return decorate


def failed_tasks():
    """Task runs that failed and will not be retried, newest first (for the office)."""
    from django_tasks_db.models import DBTaskResult

    retry_path = f"{RetryScheduled.__module__}.{RetryScheduled.__qualname__}"
    return (
        DBTaskResult.objects.failed()
        .exclude(exception_class_path=retry_path)
        .order_by("-finished_at")
    )
