"""In a real Chromium, the whole review loop: the PI submits; the office flags an item
and issues an audit record; the PI follows the finding to its records in the ledger, adds
the missing evidence and resubmits, answering the finding; the office sees the answer
beside the finding and the evidence added, and accepts; the filing is locked."""

import datetime as dt
import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from core import roc
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import AuditRecord, FilingKind, FilingState
from tests.filing_helpers import submitted_expected

pytestmark = pytest.mark.browser


def logged_in(browser, live_server, user):
    """A browser context with `user`'s session (the office's login needs a second factor;
    its own tests cover that)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _pi_submits(page, base, people, expected_version, go=True):
    if go:
        page.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/check/")
    page.get_by_label(re.compile("^本人證明")).check()
    page.get_by_label(re.compile("^您的姓名")).fill("林主持人")
    page.get_by_role("button", name="證明並送出").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"第 {expected_version} 版已送出並鎖定"
    )


def test_submit_flag_issue_correct_resubmit_accept(live_server, transactional_db, people, browser):
    submitted_expected(people)
    filings.extension_grant(
        filing=filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST),
        by=people.office,
        until=roc.today() + dt.timedelta(days=7),
        reason="補件延期",
    )
    base = live_server.url
    pi = logged_in(browser, live_server, people.pi)
    office = logged_in(browser, live_server, people.office)

    # The PI submits version 1.
    _pi_submits(pi, base, people, 1)

    # The office finds it in the overview, starts the review and flags one item.
    office.goto(f"{base}/office/review/106/first/")
    office.get_by_role("link", name=re.compile("智慧精密加工產學小聯盟")).click()
    office.get_by_role("button", name="開始審查").click()
    expect(office.get_by_role("status").first).to_contain_text("已開始審查")
    row = office.locator("#item-R-SERVICE")
    row.get_by_text("標記 R-SERVICE").click()
    row.get_by_label("有意見").check()
    row.get_by_label("違反規則").select_option("R5")
    row.get_by_label("理由（給聯盟）").fill("技術服務收入請補上傳發票")
    row.get_by_role("button", name="儲存標記").click()
    expect(office.locator("#item-R-SERVICE")).to_contain_text("技術服務收入請補上傳發票")
    office.get_by_role("button", name="尚未標記的項目全部通過").click()
    due = roc.format_roc_date(roc.today() + dt.timedelta(days=14))
    office.get_by_label(re.compile("^修正期限")).fill(due)
    office.get_by_role("button", name="開立查核記錄").click()
    expect(office.get_by_role("status").first).to_contain_text("查核記錄 106-1-001 已開立")

    # The PI sees the record and its finding, follows the finding to the records it
    # concerns, adds the missing receipt and resubmits, answering the finding.
    pi.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/")
    findings = pi.get_by_role("article").filter(has_text="查核記錄 106-1-001")
    expect(findings).to_contain_text("技術服務收入請補上傳發票")
    expect(findings).to_contain_text(due)
    expect(pi.locator("dl.facts")).to_contain_text(due)  # one deadline on the page
    findings.locator("a.finding-link").first.click()
    expect(pi).to_have_url(re.compile(r"/ledger/106/revenue/\?kind=technical_service$"))
    expect(pi.get_by_role("navigation", name=re.compile("Breadcrumb|路徑|導覽"))).to_be_visible()
    pi.locator("table.data tbody tr").filter(has_text="檢測服務").get_by_role(
        "link", name="編輯"
    ).click()
    pi.locator("input[type=file]").set_input_files(
        files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%r\n"}]
    )
    pi.get_by_role("button", name="儲存").click()
    expect(pi.get_by_role("status")).to_contain_text("已儲存")
    pi.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/check/")
    pi.locator("textarea[name=answer_1]").fill("已補上傳發票 receipt.pdf")
    _pi_submits(pi, base, people, 2, go=False)

    # The office sees the flagged item first, the PI's answer beside the finding and the
    # evidence added, and accepts.
    office.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/review/")
    office.get_by_role("button", name="開始審查").click()
    first_row = office.locator("table.review tbody tr").first
    expect(first_row).to_have_attribute("id", "item-R-SERVICE")
    expect(first_row).to_contain_text("上次查核記錄已標記")
    answers = office.locator("section").filter(has=office.locator("#answers-heading"))
    expect(answers.locator("#answer-1")).to_contain_text("技術服務收入請補上傳發票")
    expect(answers.locator("#answer-1")).to_contain_text("已補上傳發票 receipt.pdf")
    changes = office.get_by_role("region", name=re.compile("第 1 版之後變更"))
    expect(changes).to_contain_text("receipt.pdf")
    expect(changes).not_to_contain_text("→")
    office.get_by_role("button", name="尚未標記的項目全部通過").click()
    office.get_by_role("button", name="開立查核記錄").click()
    expect(office.get_by_role("status").first).to_contain_text("106-1-002")
    expect(office.get_by_role("status").first).to_contain_text("已核定")

    # Locked: the PI can no longer submit; only the office's reopen could change it.
    pi.goto(f"{base}/alliances/{people.alliance.pk}/filings/106/first/")
    expect(pi.locator(".state").first).to_have_text("已核定")
    expect(pi.get_by_role("link", name="檢核、證明並送出")).to_have_count(0)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    assert filing.state == FilingState.ACCEPTED
    assert list(AuditRecord.objects.values_list("serial", flat=True)) == [1, 2]
