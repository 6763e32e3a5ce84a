"""In a real Chromium: the office opens the field report and follows a figure down to the
alliance behind it and on to the records of its accepted snapshot."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import FilingKind
from kpi.review import services as review
from tests.browser.test_review_loop import logged_in
from tests.filing_helpers import at, submitted_expected

pytestmark = pytest.mark.browser


def test_the_office_follows_a_figure_down_to_the_records(
    live_server, transactional_db, people, browser
):
    submitted_expected(people)
    second = filing_selectors.filing_of(people.alliance_years[106], FilingKind.SECOND)
    with time_machine.travel(at(2018, 1, 20), tick=False):
        version = filings.filing_submit(
            filing=second, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
    with time_machine.travel(at(2018, 2, 10), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)

    page = logged_in(browser, live_server, people.office)
    page.goto(f"{live_server.url}/reports/106/")
    members = page.get_by_role("table", name=re.compile("聯盟數與廠商會員數"))
    row = members.get_by_role("row").filter(has_text="機電材料")
    expect(row).to_contain_text("1")
    row.get_by_role("link", name="1", exact=True).first.click()  # the alliances behind it
    expect(page.get_by_role("heading", level=1)).to_contain_text("機電材料")
    alliance_row = page.get_by_role("row").filter(has_text=people.alliance.name_zh)
    expect(alliance_row).to_contain_text("120")  # 120,000 technical service, in 仟元
    alliance_row.get_by_role("link", name=re.compile("第 1 版")).click()
    expect(page.get_by_role("row").filter(has_text="檢測服務").first).to_contain_text("120,000")
