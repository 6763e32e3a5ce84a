"""In a real Chromium: the office asks for the summary workbook on the report page, watches
its progress while the real worker makes it, and downloads it; the file opens in openpyxl
with the field table of the page."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.test_review_loop import logged_in
from tests.conftest import run_worker
from tests.report_helpers import alliance_with_figures, zeros

pytestmark = pytest.mark.browser


def test_the_office_downloads_the_workbook_from_the_report_page(
    live_server, transactional_db, people, browser, tmp_path
):
    for year in (105, 106):
        alliance_with_figures("EXP01", year=year, **zeros(**{"M-COMPANY": 12, "R-FEE": 180_000}))
    page = logged_in(browser, live_server, people.office)
    page.goto(f"{live_server.url}/reports/106/")
    panel = page.get_by_role("region", name="下載")
    expect(panel.get_by_label(re.compile("會費級距與趨勢起始年度"))).to_have_value("105")
    panel.get_by_role("button", name="摘要活頁簿（Excel）").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("摘要活頁簿（Excel）")
    expect(page.get_by_role("status")).to_contain_text("排入佇列")
    run_worker()  # the real worker makes the file; the page refreshes itself
    link = page.get_by_role("link", name=re.compile(r"^下載 .*\.xlsx$"))
    expect(link).to_be_visible(timeout=15_000)
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith("106(105-106).xlsx")
    path = tmp_path / "summary.xlsx"
    download.save_as(path)

    book = load_workbook(path)
    members = {row[0]: row for row in book["會員"].iter_rows(min_row=3, values_only=True)}
    assert members["機電材料"][1:3] == (1, 12)
    assert members["總計"][1:3] == (1, 12)
    raw = list(book["聯盟年度"].iter_rows(min_row=3, max_row=4, values_only=True))
    assert [(r[0], r[2]) for r in raw] == [(105, "EXP01"), (106, "EXP01")]

    page.get_by_role("link", name="我的匯出").click()
    expect(page.get_by_role("row").filter(has_text="摘要活頁簿")).to_contain_text("下載")
