"""send_reminders (domain.md §4): 14, 3 and 1 days before a deadline while a filing is not
submitted, the office the day after a deadline is missed, and the calendar's other duties.
Each reminder is sent once however often the command runs, also from two processes.
Filing reminders go to the PI, the co-PIs and the assistants who may prepare filings, and
follow every open deadline, extensions included, whatever its programme year (issue 27)."""

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


@pytest.fixture
def filers(people):
    """The canonical team, its assistant allowed to prepare filings (besides the ledger)."""
    from alliances.models import Capability

    people.assistant_role.capabilities = [Capability.LEDGER, Capability.FILINGS]
    people.assistant_role.save()
    return people


def run(day: str) -> int:
    before = OutboundEmail.objects.count()
    call_command("send_reminders", date=day, verbosity=0)
    return OutboundEmail.objects.count() - before


def recipients(template="filing_reminder"):
    return sorted(e.to[0] for e in OutboundEmail.objects.filter(template=template))


@pytest.mark.usefixtures("filers")
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


@pytest.mark.usefixtures("filers")
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


@pytest.mark.usefixtures("filers")
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


def test_an_assistant_who_may_not_prepare_filings_gets_no_filing_reminders(people):
    # The canonical assistant keeps the ledger only; the PI and co-PI are always told.
    assert run("106.04.01") == 3
    assert recipients() == ["copi@example.org", "other-pi@example.org", "pi@example.org"]
    # Once the PI lets them prepare filings, the next reminder reaches them too.
    from alliances.models import Capability

    people.assistant_role.capabilities = [Capability.FILINGS]
    people.assistant_role.save()
    assert run("106.04.12") == 4
    assert "assistant@example.org" in recipients()


def _year(roc_year):
    from alliances.models import ProgrammeYear

    return ProgrammeYear.objects.get_or_create(
        roc_year=roc_year, defaults=ProgrammeYear.calendar_defaults(roc_year)
    )[0]


def _extended_first_filing(people, roc_year, until):
    """The alliance's first KPI filing of `roc_year`, a draft the office extended (the day
    after its calendar deadline) to `until`, however far away."""
    import time_machine

    from alliances.models import AllianceYear
    from kpi.filings import selectors as filing_selectors
    from kpi.filings import services as filings
    from kpi.models import FilingKind
    from tests.filing_helpers import at

    ay, _created = AllianceYear.objects.get_or_create(
        alliance=people.alliance,
        programme_year=_year(roc_year),
        defaults={"phase": 1, "phase_year": 1, "subsidy": 2_000_000, "collaboration_weight": 100},
    )
    filing = filing_selectors.filing_of(ay, FilingKind.FIRST)
    with time_machine.travel(at(roc_year + 1911, 11, 1), tick=False):
        filings.extension_grant(filing=filing, by=people.office, until=until, reason="延期")
    return filing


def filing_reminders(day: str) -> list[OutboundEmail]:
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    call_command("send_reminders", date=day, verbosity=0)
    return list(OutboundEmail.objects.filter(template="filing_reminder").exclude(pk__in=before))


@pytest.mark.usefixtures("filers")
def test_an_extension_years_past_its_programme_year_is_reminded_then_reported(people):
    # The demo's case: the 107 first KPI filing extended to 116.02.04 (AD 2027).
    _extended_first_filing(people, 107, dt.date(2027, 2, 4))
    assert filing_reminders("116.01.20") == []  # 15 days before
    sent = filing_reminders("116.01.21")  # 14 days before: the PI, co-PI and filing assistant
    assert sorted(e.to[0] for e in sent) == [
        "assistant@example.org",
        "copi@example.org",
        "pi@example.org",
    ]
    email = next(e for e in sent if e.to == ["pi@example.org"])
    assert "116.02.04" in email.body_text and "/filings/107/first/" in email.body_text
    assert "107" in email.subject and "14" in email.subject  # which year's filing it is
    assert filing_reminders("116.01.21") == []  # idempotent
    assert len(filing_reminders("116.02.02")) == 3  # the 3-day reminder
    assert len(filing_reminders("116.02.03")) == 3  # the 1-day reminder
    assert filing_reminders("116.02.04") == []  # the day itself: told already
    assert not OutboundEmail.objects.filter(template="deadline_missed").exists()
    # The day after, the office hears that MECH001 missed it; once.
    run("116.02.05")
    missed = OutboundEmail.objects.get(template="deadline_missed")
    assert missed.to == ["office@example.org"]
    assert "MECH001" in missed.body_text and "CIVIL001" not in missed.body_text
    assert "116.02.04" in missed.body_text and "107" in missed.body_text
    assert run("116.02.06") == 0 and run("116.03.30") == 0


@pytest.mark.usefixtures("filers")
def test_the_office_hears_of_a_missed_extension_for_a_week_after_its_own_day(people):
    _extended_first_filing(people, 107, dt.date(2027, 2, 4))
    run("116.02.12")  # 8 days after the extended deadline (and years after 107.10.31)
    assert not OutboundEmail.objects.filter(template="deadline_missed").exists()
    run("116.02.11")  # a run missed until the 7th day after it still tells the office
    missed = OutboundEmail.objects.get(template="deadline_missed")
    assert "MECH001" in missed.body_text


def test_a_returned_filing_is_reminded_of_a_correction_deadline_extended_past_its_year(people):
    import time_machine

    from kpi.filings import selectors as filing_selectors
    from kpi.filings import services as filings
    from kpi.models import FilingKind
    from tests.filing_helpers import at
    from tests.review_helpers import REVIEW_DAY, office_returns, reviewing

    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        office_returns(people, version.filing)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    with time_machine.travel(at(2017, 12, 1), tick=False):
        filings.extension_grant(
            filing=filing, by=people.office, until=dt.date(2019, 1, 15), reason="補件"
        )
    sent = [e for e in filing_reminders("108.01.12") if "/filings/106/first/" in e.body_text]
    assert sorted(e.to[0] for e in sent) == ["copi@example.org", "pi@example.org"]
    assert all("108.01.15" in e.body_text for e in sent)
    run("108.01.16")
    missed = OutboundEmail.objects.get(template="deadline_missed")
    assert "MECH001" in missed.body_text and "108.01.15" in missed.body_text


def test_reminders_read_a_fixed_number_of_queries_however_many_years_are_open(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(day):
        run(day)  # queue what is due: a second run reads only
        with CaptureQueriesContext(connection) as context:
            assert run(day) == 0
        return len(context)

    _extended_first_filing(people, 107, dt.date(2027, 2, 4))
    one_year = queries("116.01.21")
    for roc_year in (108, 109, 110, 111):
        _extended_first_filing(
            people, roc_year, dt.date(2027, 2, 4) - dt.timedelta(days=roc_year - 107)
        )
    assert queries("116.01.21") == one_year
    # Each year's filing has its own reminder, all found in that one pass.
    keys = OutboundEmail.objects.filter(dedupe_key__startswith="reminder:first:")
    assert keys.count() == 5 * 2  # five years, the PI and co-PI of each


def _database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.mark.usefixtures("filers")
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
