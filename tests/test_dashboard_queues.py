"""Each role's home page is its work queue (issue 26, point 1): the entries, their counts
and their links, per role, in situations made through the real services. Read in English
(the msgids); the zh-Hant wording comes with the catalogue."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from alliance_portal.queues import queues_for
from alliances import permissions
from alliances.models import Capability
from core.models import OutboundEmail
from kpi.filings.models import Filing, FilingKind, FilingState
from tests.filing_helpers import at, submitted_first_filing
from tests.review_helpers import REVIEW_DAY, office_returns, reviewing

pytestmark = pytest.mark.django_db


def page(client, user) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def group(user, key, queue=0):
    """The group `key` of the person's queue number `queue`, or None."""
    from django.utils import translation

    from alliances.selectors import dashboard_for

    with translation.override("en"):
        queues = queues_for(user, to_do=dashboard_for(user)["to_do"])
    return next((g for g in queues[queue].groups if g.key == key), None)


def link(html, url) -> str:
    """The text of the link to `url` (exactly that href), or ""."""
    found = re.search(rf'<a href="{re.escape(url)}">([^<]*)</a>', html)
    return found.group(1) if found else ""


def returned_first_filing(people):
    """The 106 first KPI filing returned with audit record 106-1-001 (one finding)."""
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        record = office_returns(people, version.filing)
    return version.filing, record


# --- the alliance's people ------------------------------------------------------------------


def test_pi_sees_the_returned_filing_its_audit_record_deadline_and_findings(client, people):
    filing, record = returned_first_filing(people)
    url = reverse("filing_detail", args=[people.alliance.pk, 106, "first"])
    with time_machine.travel(at(2017, 11, 20), tick=False):
        html = page(client, people.pi)
        returned = group(people.pi, "returned")
        findings = group(people.pi, "findings")
    assert record.number == "106-1-001"
    assert link(html, url) == "First KPI filing of 106"
    assert "audit record 106-1-001 · corrections due 106.12.31, 41 days left" in html
    pdf = reverse("audit_record_pdf", args=[people.alliance.pk, 106, "first", record.pk])
    assert link(html, pdf) == "Audit record 106-1-001 (PDF)"
    assert returned.count == 1 and returned.items[0].url == url
    assert findings.count == 1
    assert findings.items[0].text == "1 finding of audit record 106-1-001"
    assert 'Findings not yet answered <span class="count">(1)</span>' in html


def test_the_correction_deadline_counts_an_extension(client, people):
    from kpi.filings import services as filings

    filing, _record = returned_first_filing(people)
    with time_machine.travel(at(2017, 12, 20), tick=False):
        filings.extension_grant(
            filing=filing, by=people.office, until=dt.date(2018, 1, 10), reason="颱風"
        )
        item = group(people.pi, "returned").items[0]
    assert "corrections due 107.01.10, 21 days left (extended by the office)" in item.detail


def test_returned_filings_reach_the_co_pi_and_assistants_who_prepare_filings(people):
    returned_first_filing(people)
    with time_machine.travel(at(2017, 11, 20), tick=False):
        assert group(people.copi, "returned").count == 1
        assert group(people.assistant, "returned") is None  # the ledger only
        people.assistant_role.capabilities = [Capability.LEDGER, Capability.FILINGS]
        people.assistant_role.save()
        permissions.forget_roles(people.assistant)  # roles are read once per request
        assert group(people.assistant, "returned").count == 1


def test_filings_due_show_the_days_left_and_link_to_the_filing(client, people):
    with time_machine.travel(at(2017, 10, 20), tick=False):
        html = page(client, people.pi)
        due = group(people.pi, "due")
    first = reverse("filing_detail", args=[people.alliance.pk, 106, "first"])
    by_url = {i.url: i for i in due.items}
    assert by_url[first].detail == "due 106.10.31, 11 days left"
    assert link(html, first) == "First KPI filing of 106"
    expected = reverse("filing_detail", args=[people.alliance.pk, 106, "expected"])
    assert by_url[expected].detail == "overdue since 106.04.15" and by_url[expected].urgent
    second = reverse("filing_detail", args=[people.alliance.pk, 106, "second"])
    assert second not in by_url  # its window opens on 106.11.01


def test_open_filings_whose_check_finds_errors_link_to_the_check(people):
    from kpi.ledger import services as kpi_services
    from kpi.models import RevenueEntry

    with time_machine.travel(at(2017, 10, 20), tick=False):
        kpi_services.record_save(
            record=RevenueEntry(
                alliance_year=people.alliance_years[106],
                kind="technical_service",
                amount=50_000,
                firm=people.firm,
                date=dt.date(2017, 6, 1),
                description="無發票的服務",
            ),
            by=people.pi,
        )
        errors = group(people.pi, "errors")
    by_url = {i.url: i for i in errors.items}
    check = reverse("filing_check", args=[people.alliance.pk, 106, "first"])
    assert by_url[check].detail == (
        "the expected outcomes are not submitted · counted records without their evidence"
    )
    targets = reverse("filing_check", args=[people.alliance.pk, 106, "expected"])
    assert by_url[targets].detail == "a target is missing"


def test_a_submitted_filing_leaves_the_alliances_queue(people):
    submitted_first_filing(people)
    with time_machine.travel(at(2017, 10, 25), tick=False):
        due = group(people.pi, "due")
        errors = group(people.pi, "errors")
    urls = {i.url for i in (due.items if due else [])} | {
        i.url for i in (errors.items if errors else [])
    }
    assert not any("/106/first/" in u or "/106/expected/" in u for u in urls)


def test_pi_and_co_pi_see_assistants_waiting_with_a_link_to_the_team(client, people):
    team = reverse("alliance_team", args=[people.alliance.pk])
    html = page(client, people.pi)
    assert link(html, team) == "1 assistant waiting for your approval"
    assert group(people.copi, "assistants").count == 1
    assert group(people.assistant, "assistants") is None


def test_the_next_site_visit_and_its_link(client, people):
    from tests.visit_helpers import schedule

    with time_machine.travel(at(2017, 3, 1), tick=False):
        visit = schedule(people)
        html = page(client, people.assistant)
        item = group(people.assistant, "visit").items[0]
    assert link(html, reverse("visit_detail", args=[visit.pk])) == "Site visit on 106.03.15 10:00"
    assert item.detail.endswith("in 14 days")


def test_unmet_event_duties_link_to_the_events(client, people):
    from tests.event_helpers import training

    with time_machine.travel(at(2017, 3, 1), tick=False):
        training(people)
        duties = group(people.pi, "events")
        assert group(people.assistant, "events") is None  # may not register for events
    url = reverse("event_list") + "?year=106&kind=training"
    assert duties.items[0].url == url
    assert duties.items[0].text.startswith("Nobody from the alliance has attended")
    with time_machine.travel(at(2017, 3, 20), tick=False):
        assert group(people.pi, "events").items[0].text == (
            "Nobody from the alliance attended platform training this year"
        )


# --- the programme office ---------------------------------------------------------------------


def test_office_sees_filings_waiting_for_review_with_a_link_to_the_overview(client, people):
    submitted_first_filing(people)
    with time_machine.travel(at(2017, 11, 2), tick=False):
        html = page(client, people.office)
        waiting = group(people.office, "submitted")
    url = reverse("review_overview", args=[106, "first"]) + "?state=submitted"
    assert waiting.count == 2  # the expected outcomes and the first KPI filing
    assert link(html, url) == "1 filing: First KPI filing of 106"
    expected = reverse("review_overview", args=[106, "expected"]) + "?state=submitted"
    assert link(html, expected) == "1 filing: Expected outcomes of 106"
    assert 'Submitted, waiting for review <span class="count">(2)</span>' in html


def test_office_sees_the_filings_it_is_reviewing(client, people, make_user):
    from accounts.models import ProgrammeRole
    from tests.conftest import give_mfa

    reviewing(people)
    colleague = give_mfa(make_user("office2@example.org", programme_role=ProgrammeRole.OFFICE))
    with time_machine.travel(at(2017, 11, 12), tick=False):
        html = page(client, people.office)
        assert group(colleague, "mine") is None
    url = reverse("filing_review", args=[people.alliance.pk, 106, "first"])
    assert link(html, url) == f"{people.alliance.name} · First KPI filing of 106"


def test_office_sees_overdue_corrections(people):
    returned_first_filing(people)
    with time_machine.travel(at(2017, 12, 31, 23), tick=False):
        assert group(people.office, "overdue") is None  # due until the end of the day
    with time_machine.travel(at(2018, 1, 2), tick=False):
        overdue = group(people.office, "overdue")
    assert overdue.count == 1
    assert overdue.items[0].url == reverse("review_overview", args=[106, "first"]) + (
        "?state=overdue"
    )


def test_office_sees_resubmitted_filings(people):
    filing, _record = returned_first_filing(people)
    Filing.objects.filter(pk=filing.pk).update(state=FilingState.RESUBMITTED)
    resubmitted = group(people.office, "resubmitted")
    assert resubmitted.count == 1
    assert resubmitted.items[0].url.endswith("/office/review/106/first/?state=resubmitted")


def test_office_sees_pi_invitations_not_accepted_and_the_filtered_list(client, people):
    from alliances import services
    from alliances.models import Alliance

    alliance = Alliance.objects.create(
        name_zh="新創聯盟",
        field=people.alliance.field,
        institution="某大學",
        team_type="single_lab",
    )
    services.pi_assign(alliance=alliance, by=people.office, email="new-pi@example.org")
    html = page(client, people.office)
    url = reverse("office_alliances") + "?invitation=open"
    assert link(html, url) == "1 PI has not set a password yet"
    listed = client.get(url).content.decode()
    assert "新創聯盟" in listed and people.alliance.name_zh not in listed
    assert "Invitation not accepted" in listed


def test_office_sees_failed_emails_and_tasks(client, people):
    OutboundEmail.objects.create(
        to=["gone@example.com"],
        subject="x",
        body_text="x",
        template="t",
        status=OutboundEmail.Status.FAILED,
    )
    html = page(client, people.office)
    failed = group(people.office, "failed")
    assert failed.count == 1
    assert link(html, reverse("office_failed_work") + "#emails-heading") == "1 email failed"


# --- the reviewer and the department ------------------------------------------------------------


def test_reviewer_sees_the_forms_awaiting_them(client, people):
    from tests.visit_helpers import schedule

    with time_machine.travel(at(2017, 3, 1), tick=False):
        visit = schedule(people)
        html = page(client, people.reviewer)
        forms = group(people.reviewer, "forms")
    url = reverse("visit_form", args=[visit.pk])
    assert forms.count == 1
    assert link(html, url) == f"Review form: {people.alliance.name}"
    assert "site visit 106.03.15 10:00 · in 14 days" in html


def test_viewer_sees_the_latest_official_figures_and_what_is_pending(client, people):
    submitted_first_filing(people)
    Filing.objects.create(
        alliance_year=people.alliance_years[105], kind=FilingKind.SECOND, state="accepted"
    )
    html = page(client, people.viewer)
    assert link(html, reverse("report_fields", args=[105])) == ("Members and revenue by field, 105")
    pending = reverse("review_overview", args=[106, "first"]) + "?state=submitted"
    assert link(html, pending) == "1 filing: First KPI filing of 106"


def test_nothing_waiting_says_so(client, people):
    html = page(client, people.assistant)  # the ledger only: no filings, no events
    assert "Nothing is waiting for you in this alliance." in html


def test_the_pi_queue_runs_the_same_queries_with_more_of_everything(client, people):
    """Every group has work, then twice as much (more alliances, filings, events, visits,
    findings): the page runs the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alliances import services
    from alliances.models import AllianceYear
    from tests.event_helpers import training
    from tests.visit_helpers import schedule

    returned_first_filing(people)

    def measure():
        client.force_login(people.pi)
        with (
            time_machine.travel(at(2017, 3, 1), tick=False),
            CaptureQueriesContext(connection) as queries,
        ):
            assert client.get(reverse("dashboard")).status_code == 200
        return len(queries.captured_queries)

    with time_machine.travel(at(2017, 2, 20), tick=False):
        training(people)
        schedule(people)
    few = measure()
    with time_machine.travel(at(2017, 2, 20), tick=False):
        training(people, title="系統平台操作說明會（南部場）", region="南部場")
        services.co_pi_appoint(
            alliance=people.other_alliance, by=people.other_pi, email=people.pi.email
        )
        other_year = AllianceYear.objects.get(
            alliance=people.other_alliance, programme_year__roc_year=106
        )
        schedule(people, alliance_year=other_year, staff=[])
    assert measure() == few
    assert few <= 16  # tests/test_query_counts.py's ceiling for the PI's dashboard


def test_a_filing_extended_to_a_day_not_yet_past_is_due_whatever_its_year(client, people):
    """Years after its programme year (as on the demo), a filing the office extended to a
    day still ahead is on the team's queue with that day."""
    import datetime as dt

    import time_machine

    from kpi.filings import selectors as filing_selectors
    from kpi.filings import services as filing_services
    from kpi.models import FilingKind

    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.EXPECTED)
    if not filing.pk:
        filing.save()
    filing_services.extension_grant(
        filing=filing, until=dt.date(2030, 1, 31), reason="資料補正", by=people.office
    )
    with time_machine.travel(dt.datetime(2029, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        client.force_login(people.pi)
        page = client.get("/dashboard/").content.decode()
    assert f"/alliances/{people.alliance.pk}/filings/106/expected/" in page
    assert "119.01.31" in page
