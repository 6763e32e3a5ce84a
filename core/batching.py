"""Defer follow-up work (recomputing verdicts) to the end of a batch, such as a workbook
import: inside `deferred()`, `defer(key, func)` keeps one call per key and runs them all
when the batch ends — still inside the caller's transaction."""

import threading
from contextlib import contextmanager

_state = threading.local()


@contextmanager
def deferred():
    outer = getattr(_state, "pending", None)
    if outer is not None:  # nested: the outermost batch runs everything
        yield
        return
    _state.pending = {}
    try:
        yield
        while _state.pending:
            _key, func = _state.pending.popitem()
            func()
    finally:
        _state.pending = None


def defer(key, func) -> bool:
    """Queue `func` under `key` if a batch is open; False means: run it now yourself."""
    pending = getattr(_state, "pending", None)
    if pending is None:
        return False
    pending[key] = func
    return True
