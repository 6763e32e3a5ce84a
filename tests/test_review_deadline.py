"""Issue 26, point 2: one correction deadline for a returned filing
(kpi.filings.selectors.correction_deadline), the same on the filing page, the audit
record, its PDF, the email and the reminders; and the audit-record form's proposed date,
valid now and explained."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from core.models import OutboundEmail
from kpi.filings import calendar
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import FilingKind, FilingState
from kpi.review.forms import IssueForm
from tests.filing_helpers import at, submitted_expected
from tests.review_helpers import REVIEW_DAY, office_returns, pdf_text


@pytest.fixture(autouse=True)
def _language_kept():
    """The English pages below activate English in this thread: put back what was active."""
    before = translation.get_language()
    yield
    translation.activate(before)


def _first(people):
    return filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)


def _returned_after_an_earlier_extension(people):
    """The first KPI filing of 106, submitted under an extension to 107.01.20 granted before
    it was due, then returned with audit record 106-1-001 (corrections due 106.12.31)."""
    submitted_expected(people)
    with time_machine.travel(at(2017, 10, 20), tick=False):
        filings.extension_grant(
            filing=_first(people), by=people.office, until=dt.date(2018, 1, 20), reason="補件"
        )
        filings.filing_submit(
            filing=_first(people), by=people.pi, certified_name=people.pi.name, confirmed=True
        )
    with time_machine.travel(REVIEW_DAY, tick=False):
        filings.filing_review_start(filing=_first(people), by=people.office)
        record = office_returns(people, _first(people), "技術服務收入請補上傳發票")
    return record


def _english(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(client, people, tail=""):
    url = f"/alliances/{people.alliance.pk}/filings/106/first/{tail}"
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _facts(html: str) -> str:
    return html.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]


def _reminders(day: str) -> list[str]:
    before = set(OutboundEmail.objects.values_list("pk", flat=True))
    call_command("send_reminders", date=day, verbosity=0)
    return [
        e.body_text
        for e in OutboundEmail.objects.filter(template="filing_reminder").exclude(pk__in=before)
        if "/filings/106/first/" in e.body_text
    ]


def test_an_extension_granted_before_the_return_does_not_move_the_correction_deadline(
    client, people
):
    record = _returned_after_an_earlier_extension(people)
    filing = _first(people)
    assert filing.state == FilingState.RETURNED
    due = dt.date(2017, 12, 31)
    assert record.correction_due == due
    assert filing_selectors.correction_deadline(filing) == due
    deadline = calendar.deadline(filing, filing.alliance_year.programme_year)
    assert (deadline.due, deadline.extension) == (due, None)

    # The filing page's header and its audit record say the same day, the PDF too.
    html = _page(_english(client, people.pi), people)
    assert "106.12.31" in _facts(html) and "107.01.20" not in _facts(html)
    article = html.split('aria-labelledby="ar-', 1)[1].split("</article>", 1)[0]
    assert "Corrections due 106.12.31" in article and "Extended" not in article
    assert "106.12.31" in pdf_text(record.pdf.read())
    # The email that carried the record, and the reminders before the deadline.
    email = OutboundEmail.objects.filter(template="audit_record_issued").first()
    assert "106.12.31" in email.body_text and "107.01.20" not in email.body_text
    assert [body for body in _reminders("106.12.28") if "106.12.31" in body]
    assert _reminders("107.01.17") == []  # nothing for the extension's day
    # The year's filings say the same.
    listing = _english(client, people.pi).get(f"/alliances/{people.alliance.pk}/filings/106/")
    assert "106.12.31" in listing.content.decode()
    # And after it the filing can no longer be resubmitted.
    with time_machine.travel(at(2018, 1, 5), tick=False):
        assert calendar.submission_refusal(filing, filing.alliance_year.programme_year)


def test_an_extension_granted_after_the_return_moves_the_one_deadline_everywhere(client, people):
    record = _returned_after_an_earlier_extension(people)
    with time_machine.travel(at(2017, 12, 1), tick=False):
        filings.extension_grant(
            filing=_first(people), by=people.office, until=dt.date(2018, 1, 15), reason="補件"
        )
    filing = _first(people)
    later = dt.date(2018, 1, 15)
    assert filing_selectors.correction_deadline(filing) == later
    assert filing_selectors.correction_deadlines([filing, _first(people)]) == {filing.pk: later}

    html = _page(_english(client, people.pi), people)
    facts = _facts(html)
    assert (
        "107.01.15" in facts
        and "extended by the programme office (audit record: 106.12.31)" in facts
    )
    article = html.split('aria-labelledby="ar-', 1)[1].split("</article>", 1)[0]
    assert "Corrections due 106.12.31" in article and "Extended to 107.01.15." in article
    review_page = _english(client, people.office).get(
        f"/alliances/{people.alliance.pk}/filings/106/first/review/"
    )
    assert "extended to 107.01.15" in review_page.content.decode()
    assert record.correction_due == dt.date(2017, 12, 31)  # the issued record is frozen
    assert [body for body in _reminders("107.01.12") if "107.01.15" in body]
    with time_machine.travel(at(2018, 1, 10), tick=False):
        assert calendar.submission_refusal(filing, filing.alliance_year.programme_year) is None


def test_the_office_overview_and_reminders_read_the_extensions_in_bulk_the_same_way(people):
    _returned_after_an_earlier_extension(people)
    filing = _first(people)
    assert calendar.latest_extensions([filing]) == {filing.pk: None}
    assert calendar.latest_extension(filing) is None
    from kpi.review import selectors as review_selectors

    with time_machine.travel(at(2017, 12, 1), tick=False):
        rows = review_selectors.overview(106, FilingKind.FIRST).rows
    row = next(r for r in rows if r.filing and r.filing.pk == filing.pk)
    assert row.due == dt.date(2017, 12, 31)


def test_the_form_proposes_the_calendar_window_while_it_leaves_the_usual_period(people):
    year = people.alliance_years[106].programme_year
    with translation.override("en"):
        proposal = calendar.correction_proposal(FilingKind.FIRST, year, dt.date(2017, 11, 10))
    assert proposal.due == dt.date(2017, 12, 31)
    assert "calendar" in proposal.why


def test_the_form_proposes_a_date_valid_now_and_says_why(client, people):
    year = people.alliance_years[106].programme_year
    late = dt.date(2017, 12, 20)  # 11 days before the calendar's end of N.12
    with translation.override("en"):
        proposal = calendar.correction_proposal(FilingKind.FIRST, year, late)
    assert proposal.due == late + dt.timedelta(days=calendar.CORRECTION_DAYS)
    assert "30 days" in proposal.why and "106.12.31" in proposal.why
    # Years later (the demo's case) it is never in the past either.
    today = dt.date(2026, 12, 6)
    assert calendar.correction_proposal(FilingKind.FIRST, year, today).due > today
    # The form shows it with its reason, and issuing with it is accepted.
    with translation.override("en"):
        form = IssueForm(proposal=proposal)
        assert form.fields["correction_due"].initial == proposal.due
        assert "Proposed: 107.01.19" in str(form.fields["correction_due"].help_text)
    submitted_expected(people)
    with time_machine.travel(at(2017, 10, 20), tick=False):
        filings.filing_submit(
            filing=_first(people), by=people.pi, certified_name=people.pi.name, confirmed=True
        )
    with time_machine.travel(at(2017, 12, 20), tick=False):
        filings.filing_review_start(filing=_first(people), by=people.office)
        html = (
            _english(client, people.office)
            .get(f"/alliances/{people.alliance.pk}/filings/106/first/review/")
            .content.decode()
        )
        assert re.search(r'name="correction_due"[^>]*value="107\.01\.19"', html), html[:0]
        assert "Proposed: 107.01.19, 30 days from today" in html
        record = office_returns(people, _first(people), "請更正")  # no date: the proposal
    assert record.correction_due == dt.date(2018, 1, 19)
