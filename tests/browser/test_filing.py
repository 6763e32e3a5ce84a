"""In a real Chromium: the PI adds a record, runs the check, certifies and submits the
first KPI filing, and sees it locked — later ledger edits leave the submitted version as
it was."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from core import roc
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import FilingKind, FilingVersion
from tests.filing_helpers import submitted_expected

pytestmark = pytest.mark.browser


def test_pi_adds_a_record_checks_certifies_submits_and_sees_the_filing_locked(
    live_server, transactional_db, people, browser
):
    submitted_expected(people)
    # The 106 deadline is long past: the office gave this alliance a week more.
    filings.extension_grant(
        filing=filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST),
        by=people.office,
        until=roc.today() + dt.timedelta(days=7),
        reason="補件延期",
    )
    base = live_server.url
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile("^電子")).fill("pi@example.org")
    page.get_by_label(re.compile("^密碼")).fill("correct-horse-battery")
    page.get_by_role("button", name="登入").click()

    page.goto(f"{base}/alliances/{people.alliance.pk}/ledger/106/revenue/new/")
    page.get_by_label("收入類別").select_option("other_operating")
    page.get_by_label(re.compile("^日期")).fill("106.06.01")
    page.get_by_label(re.compile("^金額")).fill("15000")
    page.get_by_label(re.compile("^付款單位類別")).select_option("university")
    page.get_by_role("button", name="儲存").click()
    expect(page.get_by_role("status")).to_contain_text("已儲存")

    page.get_by_role("link", name="填報").first.click()
    page.get_by_role("link", name="第一次KPI填報").click()
    page.get_by_role("link", name="檢核、證明並送出").click()
    expect(page.get_by_role("heading", name=re.compile("錯誤"))).to_contain_text("(0)")
    expect(page.get_by_role("row").filter(has_text="R-OTHER")).to_contain_text("15,000")

    page.get_by_label(re.compile("^本人證明")).check()
    page.get_by_label(re.compile("^您的姓名")).fill("林主持人")
    page.get_by_role("button", name="證明並送出").click()

    expect(page.get_by_role("status").first).to_contain_text("第 1 版已送出並鎖定")
    expect(page.locator(".state").first).to_have_text("已送出")
    expect(page.get_by_text("送出的版本已鎖定")).to_be_visible()
    expect(page.get_by_role("link", name="檢核、證明並送出")).to_have_count(0)

    # The ledger moves on; the submitted version does not.
    page.goto(f"{base}/alliances/{people.alliance.pk}/ledger/106/revenue/new/")
    page.get_by_label("收入類別").select_option("other_operating")
    page.get_by_label(re.compile("^日期")).fill("106.07.01")
    page.get_by_label(re.compile("^金額")).fill("70000")
    page.get_by_label(re.compile("^付款單位類別")).select_option("university")
    page.get_by_role("button", name="儲存").click()
    page.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/v1/")
    row = page.get_by_role("row").filter(has_text="R-OTHER")
    expect(row).to_contain_text("15,000")
    expect(row).not_to_contain_text("85,000")
    assert FilingVersion.objects.get(filing__kind="first").items.get(code="R-OTHER").counted == (
        15_000
    )
