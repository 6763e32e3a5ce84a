"""send_reminders (domain.md §4): 14, 3 and 1 days before a deadline while a filing is not
submitted, the office the day after a deadline is missed, and the calendar's other duties.
Each reminder is sent once however often the command runs, also from two processes."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from core.models import OutboundEmail
from tests.filing_helpers import submitted_expected

ROOT = Path(__file__).resolve().parent.parent


def run(day: str) -> int:
    before = OutboundEmail.objects.count()
    call_command("send_reminders", date=day, verbosity=0)
    return OutboundEmail.objects.count() - before


def recipients(template="filing_reminder"):
    return sorted(e.to[0] for e in OutboundEmail.objects.filter(template=template))


def test_reminders_go_to_the_team_14_3_and_1_days_before_and_only_once(people, worker):
    assert run("106.03.31") == 0  # 15 days before 106.04.15
    assert run("106.04.01") == 4  # 14 days: PI, co-PI, assistant; the other alliance's PI
    assert run("106.04.01") == 0  # again the same day: nothing new
    assert run("106.04.05") == 0  # between reminders
    assert recipients() == [
        "assistant@example.org",
        "copi@example.org",
        "other-pi@example.org",
        "pi@example.org",
    ]
    worker()
    assert len(mail.outbox) == 4
    subject = next(m.subject for m in mail.outbox if m.to == ["pi@example.org"])
    assert "預期成果" in subject and "14" in subject
    body = next(m.body for m in mail.outbox if m.to == ["pi@example.org"])
    assert "106.04.15" in body and "/filings/106/expected/" in body
    assert run("106.04.12") == 4 and run("106.04.14") == 4 and run("106.04.14") == 0
    # Pending and revoked assistants never hear of it.
    assert "pending@example.org" not in recipients()
    assert "revoked@example.org" not in recipients()


def test_a_submitted_filing_gets_no_more_reminders(people):
    submitted_expected(people)
    assert run("106.04.12") == 1  # the other alliance's PI only
    assert recipients() == ["other-pi@example.org"]


def test_a_missed_run_catches_up_with_the_nearest_reminder_only(people):
    assert run("106.04.13") == 4  # 2 days left: the 3-day reminder, not the 14-day one
    keys = set(OutboundEmail.objects.values_list("dedupe_key", flat=True))
    assert all(":3:" in key for key in keys)


def test_the_office_hears_the_day_after_a_deadline_was_missed(people):
    run("106.04.16")
    email = OutboundEmail.objects.get(template="deadline_missed")
    assert email.to == ["office@example.org"]
    assert "MECH001" in email.body_text and "CIVIL001" in email.body_text
    run("106.04.17")
    run("106.05.30")  # weeks later: no new news
    assert OutboundEmail.objects.filter(template="deadline_missed").count() == 1


def test_an_extension_moves_the_reminders_and_keeps_the_alliance_off_the_missed_list(people):
    import time_machine

    from kpi.filings import selectors as filing_selectors
    from kpi.filings import services as filings
    from kpi.models import FilingKind
    from tests.filing_helpers import at

    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 4, 10), tick=False):
        filings.extension_grant(
            filing=filing, by=people.office, until=dt.date(2017, 4, 25), reason="颱風"
        )
    run("106.04.16")
    missed = OutboundEmail.objects.get(template="deadline_missed")
    assert "CIVIL001" in missed.body_text and "MECH001" not in missed.body_text
    assert run("106.04.24") == 3  # MECH001's team, a day before its own deadline


def test_calendar_duties_are_reminded_too(people):
    from django.core.files.base import ContentFile

    assert run("106.10.17") >= 4  # first KPI filing and the mid-term report, both 10.31
    assert OutboundEmail.objects.filter(dedupe_key__startswith="duty:midterm:").count() == 4
    # The banner: an alliance with a banner and a published profile is not reminded.
    people.other_alliance.banner.save("b.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    run("106.04.16")
    duty = OutboundEmail.objects.filter(dedupe_key__startswith="duty:banner:")
    assert sorted(e.to[0] for e in duty) == [
        "assistant@example.org",
        "copi@example.org",
        "pi@example.org",
    ]


def test_a_bad_date_is_a_clear_error(people):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("send_reminders", date="106.13.45")


def _database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


def test_two_processes_running_at_once_on_postgresql_send_each_reminder_once(people, worker):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL, which CI runs")
    env = {
        **os.environ,
        "PORTAL_ENV": "test",
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "alliance_portal.settings_test",
    }
    # Both processes start, then race: each queues the same reminders.
    procs = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_reminders", "--date", "106.04.01"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert OutboundEmail.objects.count() == 4
    assert len(set(OutboundEmail.objects.values_list("dedupe_key", flat=True))) == 4
    worker()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "assistant@example.org",
        "copi@example.org",
        "other-pi@example.org",
        "pi@example.org",
    ]
