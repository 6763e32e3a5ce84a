"""The watch that fails every browser test on a CSP violation sees one when it happens, and
the members page's year switch (a script file, no inline handler) works under the policy."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def log_in(page, base, email):
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile("^電子")).fill(email)
    page.get_by_label(re.compile("^密碼")).fill("correct-horse-battery")
    page.get_by_role("button", name="登入").click()


def test_an_injected_inline_script_is_refused_and_reported(
    live_server, transactional_db, browser, csp_violations
):
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.ran === undefined")
    assert any("inline script" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # seen: this test passes; any other violation fails its test
    page.close()


def test_the_year_switch_runs_under_the_policy(live_server, transactional_db, people, browser):
    page = browser.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "pi@example.org")
    page.goto(f"{live_server.url}/alliances/{people.alliance.pk}/members/106/")
    page.get_by_label("計畫年度").select_option("105")
    expect(page).to_have_url(re.compile(r"/members/106/$"))  # choosing is not going
    page.get_by_role("button", name="顯示").click()
    expect(page).to_have_url(re.compile(r"/members/105/$"))
    page.close()
