"""In a real Chromium, each role's home page is its work queue (issue 26, point 1): after
the office returns a filing, the PI's home page shows it with its audit record number and
correction deadline and leads to it; the office's shows the filings waiting for review
and leads to the overview filtered to them. In English (the msgids), also at phone width."""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from core import roc
from tests.a11y_helpers import logged_in_context
from tests.review_helpers import REVIEW_DAY, office_returns, reviewing

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_pi_finds_the_returned_filing_and_the_office_the_filings_waiting(
    live_server, transactional_db, people, browser
):
    version = reviewing(people)  # the expected outcomes stay submitted, waiting for review
    due = roc.today() + dt.timedelta(days=14)
    with time_machine.travel(REVIEW_DAY, tick=False):
        record = office_returns(people, version.filing, correction_due=due)
    base = live_server.url

    pi = logged_in_context(browser, live_server, people.pi, language="en").new_page()
    pi.goto(f"{base}/dashboard/")
    queue = pi.get_by_role("region", name=f"{people.alliance.name}: what needs you now")
    returned = queue.get_by_role("list", name="Returned for correction (1)")
    entry = returned.get_by_role("listitem")
    expect(entry).to_contain_text(f"audit record {record.number}")
    expect(entry).to_contain_text(f"corrections due {roc.format_roc_date(due)}, 14 days left")
    expect(entry.get_by_role("link", name=f"Audit record {record.number} (PDF)")).to_be_visible()
    findings = queue.get_by_role("list", name="Findings not yet answered (1)")
    expect(findings.get_by_role("link")).to_have_text(f"1 finding of audit record {record.number}")
    pi.set_viewport_size(PHONE)
    assert no_sideways_scroll(pi)
    entry.get_by_role("link", name="First KPI filing of 106").click()
    expect(pi).to_have_url(re.compile(rf"/alliances/{people.alliance.pk}/filings/106/first/$"))
    expect(pi.get_by_text(record.number).first).to_be_visible()

    office = logged_in_context(browser, live_server, people.office, language="en").new_page()
    office.goto(f"{base}/dashboard/")
    queue = office.get_by_role("region", name="Programme office: waiting for you")
    waiting = queue.get_by_role("list", name="Submitted, waiting for review (1)")
    link = waiting.get_by_role("link", name="1 filing: Expected outcomes of 106")
    expect(link).to_be_visible()
    office.set_viewport_size(PHONE)
    assert no_sideways_scroll(office)
    link.click()
    expect(office).to_have_url(re.compile(r"/office/review/106/expected/\?state=submitted$"))
    expect(office.get_by_role("row").filter(has_text=people.alliance.name_zh)).to_have_count(1)
