"""Shared fixtures: the real task worker, canonical users, and Chromium for Playwright."""

import os
import shutil
import signal

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# same thread are safe here (live_server runs in its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_worker() -> None:
    """Run the real django-tasks-db worker until no task is ready, then return."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            batch=True,
            startup_delay=False,
            reload=False,
            interval=0,
            queue_name="*",
            verbosity=0,
        )
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.fixture
def worker(transactional_db):
    """Call to run the queued tasks through the real worker (needs committed rows)."""
    return run_worker


@pytest.fixture
def make_user(db):
    from accounts.services import user_create

    def make(email, *, password="correct-horse-battery", **fields):
        return user_create(email=email, password=password, **fields)

    return make


@pytest.fixture
def office_user(make_user):
    from accounts.models import ProgrammeRole

    return make_user("office@example.org", name="辦公室", programme_role=ProgrammeRole.OFFICE)


@pytest.fixture
def outsider(make_user):
    return make_user("outsider@example.org", name="路人")


@pytest.fixture
def year_107(db):
    from alliances.models import ProgrammeYear

    return ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))


# --- browser tests -------------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items or CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            "CI must run the browser tests but Debian's chromium is not installed "
            "(apt-get install chromium)."
        )
    skip = pytest.mark.skip(
        reason="chromium not installed (apt-get install chromium); CI runs these"
    )
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's chromium, never a downloaded browser (`playwright install` cannot work here)."""
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-quic",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }
