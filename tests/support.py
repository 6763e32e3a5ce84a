"""Tasks and a mail backend that the tests drive through the real worker."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from core.tasks import retrying_task

calls = {"flaky": 0, "flaky_success": 0, "doomed": 0, "gave_up": 0}


def reset():
    for key in calls:
        calls[key] = 0


@retrying_task
def flaky(fail_times: int) -> str:
    """Fails `fail_times` times, then succeeds."""
    calls["flaky"] += 1
    if calls["flaky"] <= fail_times:
        raise ConnectionError(f"upstream unavailable (call {calls['flaky']})")
    calls["flaky_success"] += 1
    return "done"


def _note_give_up(*args, error, **kwargs):
    calls["gave_up"] += 1


@retrying_task(max_attempts=3, on_give_up=_note_give_up)
def doomed() -> None:
    calls["doomed"] += 1
    raise ValueError("this never works")


class FlakyEmailBackend(LocmemBackend):
    """Refuses the first `failures` messages like an unreachable SMTP server, then delivers
    them to django.core.mail.outbox."""

    failures = 0

    def send_messages(self, messages):
        if FlakyEmailBackend.failures > 0:
            FlakyEmailBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
