"""In a real Chromium: a PI imports 500 members; one bad row among them is named and
nothing is saved; the corrected workbook previews, then saves every row."""

import re

import pytest
from playwright.sync_api import expect

from members.ubn import complete_ubn
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

pytestmark = pytest.mark.browser


def test_pi_imports_members_in_the_browser(
    live_server, transactional_db, people, browser, tmp_path
):
    from members.models import Membership

    base = live_server.url
    rows = [
        member_row("MECH001", 106, complete_ubn(f"{6100000 + i:07d}"), f"匯入公司{i:03d}")
        for i in range(500)
    ]
    good = tmp_path / "members.xlsx"
    good.write_bytes(workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}))
    rows[233] = member_row("MECH001", 106, "12345678", "打錯的公司")
    bad = tmp_path / "members-bad.xlsx"
    bad.write_bytes(workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}))
    before = Membership.objects.count()

    page = browser.new_page()
    page.set_default_timeout(60_000)  # 500 rows are imported three times
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile("^電子")).fill("pi@example.org")
    page.get_by_label(re.compile("^密碼")).fill("correct-horse-battery")
    page.get_by_role("button", name="登入").click()

    page.goto(f"{base}/alliances/{people.alliance.pk}/members/106/")
    page.get_by_role("link", name="匯入活頁簿").click()
    page.get_by_label(re.compile("^活頁簿")).set_input_files(str(bad))
    page.get_by_role("button", name="檢查活頁簿").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("「成員」工作表第235列「統一編號」: 12345678 檢查碼錯誤")
    expect(page.get_by_role("button", name="儲存這些變更")).to_have_count(0)
    assert Membership.objects.count() == before

    page.get_by_label(re.compile("^活頁簿")).set_input_files(str(good))
    page.get_by_role("button", name="檢查活頁簿").click()
    expect(page.get_by_role("row", name=re.compile("「成員」 500"))).to_be_visible()
    assert Membership.objects.count() == before  # a preview saves nothing
    page.get_by_role("button", name="儲存這些變更").click()
    expect(page.get_by_role("status")).to_contain_text("新增 500 筆")
    assert Membership.objects.count() == before + 500
