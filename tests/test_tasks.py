"""Retries with back-off, through the real django-tasks-db backend and worker."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core.tasks import RetriesExhausted, RetryScheduled, failed_tasks, retry_delay
from tests import support


@pytest.fixture(autouse=True)
def _reset_counters():
    support.reset()


def test_a_task_that_fails_twice_is_retried_and_succeeds_once(worker):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        result = support.flaky.enqueue(2)
        worker()
        assert support.calls["flaky"] == 1

        # The retry waits for its back-off: running the worker now does nothing.
        worker()
        assert support.calls["flaky"] == 1

        clock.shift(retry_delay(1) + dt.timedelta(seconds=1))
        worker()
        assert support.calls["flaky"] == 2

        clock.shift(retry_delay(1))  # not yet: the second pause is longer
        worker()
        assert support.calls["flaky"] == 2

        clock.shift(retry_delay(2))
        worker()

    assert support.calls == {**support.calls, "flaky": 3, "flaky_success": 1}
    runs = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [r.status for r in runs] == ["FAILED", "FAILED", "SUCCESSFUL"]
    assert all(r.exception_class_path.endswith("RetryScheduled") for r in runs[:2])
    assert runs[2].return_value == "done"
    assert runs[0].pk == result.db_result.pk
    assert not failed_tasks().exists()  # retried failures are not the office's concern

    # Nothing is left to run: a further worker pass changes nothing.
    worker()
    assert support.calls["flaky"] == 3


def test_a_task_that_always_fails_gives_up_and_is_shown_as_failed(worker):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        support.doomed.enqueue()
        for attempt in range(1, 4):
            worker()
            clock.shift(retry_delay(attempt) + dt.timedelta(seconds=1))
        worker()

    assert support.calls["doomed"] == 3  # max_attempts=3
    assert support.calls["gave_up"] == 1
    failed = list(failed_tasks())
    assert len(failed) == 1
    assert failed[0].exception_class_path.endswith(RetriesExhausted.__qualname__)
    assert "this never works" in failed[0].traceback
    assert DBTaskResult.objects.filter(status="READY").count() == 0


def test_retry_delays_grow():
    assert retry_delay(1, 30) == dt.timedelta(seconds=30)
    assert retry_delay(2, 30) == dt.timedelta(minutes=2)
    assert retry_delay(3, 30) == dt.timedelta(minutes=8)
    assert issubclass(RetryScheduled, Exception)
