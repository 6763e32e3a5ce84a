"""In a real Chromium (issue 26, point 8): the assistant finds the alliance by typing part
of its institution; the one match is chosen, the count is said in a live region, and the
registration goes through with the chosen alliance. Without JavaScript the page's search
form does the same on the server (tests/test_registration.py)."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "Kx8#mPq2!vL9"


def test_typing_part_of_an_institution_chooses_the_one_match(
    live_server, transactional_db, people, browser
):
    from alliances.models import AllianceRole

    people.alliance.code = "MECH001"
    people.alliance.save()
    people.other_alliance.code = "CIVIL001"
    people.other_alliance.save()

    context = browser.new_context()
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/register/")

    alliance = page.locator("select#id_alliance")
    search = page.get_by_label("Find your alliance: type part of its code, name or institution")
    status = page.locator("#alliance-filter-status")
    # The script took over from the page's own search form.
    expect(page.locator("form[data-alliance-search-fallback]")).to_be_hidden()
    expect(alliance.locator("option")).to_have_count(3)  # the empty choice and two alliances

    search.fill("產學小聯盟")  # in both names: two matches, none chosen
    expect(alliance.locator("option")).to_have_count(3)
    expect(status).to_have_text("2 alliances match; choose yours in the list.")
    expect(alliance).to_have_value("")

    search.fill("臺北科技")  # part of the other alliance's institution only
    expect(alliance.locator("option")).to_have_count(2)
    expect(alliance).to_have_value(str(people.other_alliance.pk))
    expect(status).to_have_text(re.compile(r"^One alliance matches and is chosen: CIVIL001 · "))
    search.press("Enter")  # ends the search, does not send the form
    expect(alliance).to_be_focused()

    search.fill("zzz")
    expect(status).to_have_text("No alliance matches.")
    search.fill("civil0")  # by code, whatever the case
    expect(alliance).to_have_value(str(people.other_alliance.pk))

    page.get_by_label("Your name").fill("新助理")
    page.get_by_label("Email address").fill("newbie@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registration received")
    role = AllianceRole.objects.get(user__email="newbie@example.org")
    assert role.alliance == people.other_alliance and role.status == "pending"


def test_without_javascript_the_search_form_narrows_and_chooses(
    live_server, transactional_db, people, browser
):
    from alliances.models import AllianceRole

    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/register/")
    expect(page.locator("#alliance-filter")).to_have_count(0)
    page.locator("#alliance-search").fill("臺北科技")
    page.get_by_role("button", name="Search").click()
    alliance = page.locator("select#id_alliance")
    expect(alliance).to_have_value(str(people.other_alliance.pk))
    page.get_by_label("Your name").fill("新助理")
    page.get_by_label("Email address").fill("newbie@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registration received")
    assert AllianceRole.objects.get(user__email="newbie@example.org").alliance == (
        people.other_alliance
    )
