"""The API's documentation page runs in the browser under the portal's Content-Security-
Policy, from the portal's own files, and its "Try it out" reads the API with a token made
on the profile page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_documentation_page_lists_the_endpoints_and_tries_one_with_a_token(
    live_server, transactional_db, people, browser
):
    from accounts.services import api_token_create

    _token, raw = api_token_create(user=people.pi, name="docs", days=30)
    page = browser.new_page()
    page.set_default_timeout(15_000)
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(live_server.url + "/api/v1/docs/")
    expect(page.get_by_role("heading", name=re.compile("Alliance Portal API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/alliances/", exact=True).first).to_be_visible()
    # Authorize with the token, then try the list of one's alliances.
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input[type=text]").first.fill(raw)
    dialog.locator("button.authorize").first.click()
    dialog.locator("button.btn-done").first.click()
    page.locator("#operations-alliances-alliances_list").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".response-col_status").filter(has_text="200").first).to_be_visible()
    expect(page.locator(".microlight").filter(has_text=people.alliance.code).first).to_be_visible()
    assert not outside, f"the documentation loaded files from elsewhere: {outside}"
    page.close()
