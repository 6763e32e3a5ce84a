"""In a real Chromium: an assistant with the ledger capability adds a record and sees its
verdict."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_assistant_adds_a_transfer_and_sees_the_verdict(
    live_server, transactional_db, people, browser
):
    base = live_server.url
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile("^電子")).fill("assistant@example.org")
    page.get_by_label(re.compile("^密碼")).fill("correct-horse-battery")
    page.get_by_role("button", name="登入").click()

    page.goto(f"{base}/alliances/{people.alliance.pk}/kpi/106/")
    page.get_by_role("link", name="紀錄帳").first.click()
    page.get_by_role("link", name="新增紀錄").click()
    page.get_by_label("收入類別").select_option("technology_transfer")
    page.get_by_label(re.compile("^日期")).fill("107.02.01")
    page.get_by_label(re.compile("^金額")).fill("400000")
    page.get_by_label(re.compile("^相對廠商")).fill("22099131")
    page.get_by_role("button", name="儲存").click()

    expect(page.get_by_role("status")).to_contain_text("不計入（R6）")
    row = page.get_by_role("row").filter(has_text="107.02.01")
    expect(row).to_contain_text("R6")
    expect(row).to_contain_text("不在計畫年度")
