"""A task module that no other module imports: its give-up hook is registered only when the
module is imported (the recovery of a worker that never ran it must import it)."""

from core.tasks import retrying_task

GIVEN_UP = []


def _gave_up(value, *, error):
    GIVEN_UP.append((value, type(error).__name__))


@retrying_task(max_attempts=1, on_give_up=_gave_up)
def hooked(value: int) -> int:
    return value
