"""In a real Chromium: the office uploads a registry workbook, the page follows the check
made by the real worker (under the Content-Security-Policy), saves it, and follows that."""

import re

import pytest
from playwright.sync_api import expect

from members.models import Membership
from members.ubn import complete_ubn
from tests.browser.test_review_loop import logged_in
from tests.conftest import run_worker
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

pytestmark = pytest.mark.browser


def test_the_office_follows_its_registry_import_to_the_end(
    live_server, transactional_db, people, browser, tmp_path
):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(
        workbook_bytes(
            {
                "成員": [
                    MEMBER_HEADERS,
                    *(
                        member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}")
                        for i in range(12)
                    ),
                ]
            }
        )
    )
    page = logged_in(browser, live_server, people.office)
    page.goto(f"{live_server.url}/office/import/")
    page.get_by_label(re.compile("活頁簿")).set_input_files(str(path))
    page.get_by_role("button", name="檢查活頁簿").click()

    expect(page).to_have_url(re.compile(r"/office/import/\d+/$"))
    expect(page.locator("#import-status")).to_contain_text("檢查中")
    run_worker()  # the page follows by itself
    expect(page.get_by_role("button", name="儲存這些變更")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("row").filter(has_text="成員")).to_contain_text("12")
    page.get_by_role("button", name="儲存這些變更").click()
    expect(page.locator("#import-status")).to_contain_text("儲存中")
    run_worker()
    expect(page.get_by_text("匯入完成：新增 12 筆")).to_be_visible(timeout=15_000)
    assert Membership.objects.count() == 13  # the fixture's one and the twelve
