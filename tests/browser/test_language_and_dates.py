"""In a real Chromium: the portal opens in Chinese, switches to English, and shows ROC dates."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_open_switch_language_and_see_roc_dates(live_server, page, transactional_db):
    from alliances.models import ProgrammeYear

    ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))

    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant-TW")
    expect(page.get_by_role("heading", level=1)).to_contain_text("產學小聯盟")
    calendar = page.locator("#calendar-heading")
    expect(calendar).to_contain_text("107年")
    expect(page.locator("time[datetime='2018-04-15']")).to_have_text("107.04.15")

    page.get_by_label("語言").select_option("en")
    page.get_by_role("button", name="切換").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Industry.Academia Alliance Programme")
    )
    expect(calendar).to_contain_text("ROC 107")
    expect(page.locator("time[datetime='2018-04-15']")).to_have_text("107.04.15")
    expect(page.locator("time[datetime='2019-01-31']").first).to_have_text("108.01.31")
