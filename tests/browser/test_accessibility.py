"""In a real Chromium, axe-core (axe-playwright-python's axe.js) checks every main page of
every role, in Traditional Chinese and English, at laptop and phone width: no violation of
impact serious or critical against WCAG 2.1 A/AA and axe's best practices. The rest are
printed; docs/accessibility.md lists them with a plan.

PAGES is the one table to extend: role → the paths of its main pages, with {placeholders}
filled from tests.a11y_helpers.scene (the data that gives every page real content)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.a11y_helpers import logged_in_context, scene

pytestmark = pytest.mark.browser

A = "/alliances/{alliance}"
PAGES = {
    "anonymous": [
        "/",
        "/accounts/login/",
        "/register/",
        "/directory/",
        "/directory/{code}/",
        "/open-data/",
    ],
    "pi": [
        "/dashboard/",
        A + "/",
        A + "/team/",
        A + "/profile/",
        A + "/members/106/",
        A + "/members/106/{membership}/",
        A + "/kpi/106/",
        A + "/ledger/106/revenue/",
        A + "/ledger/106/revenue/{entry}/",
        A + "/ledger/106/outcomes/new/",
        A + "/filings/106/",
        A + "/filings/106/expected/",
        A + "/filings/106/first/",
        A + "/filings/106/first/check/",
        A + "/filings/106/first/v1/",
        A + "/dossier/106/",
        "/reports/106/",
        "/reports/fee-bands/?from=102&to=106",
        "/reports/106/self-sufficiency/",
        "/reports/106/targets/",
        "/visits/",
        "/visits/{visit}/",
        "/visits/{visit}/attendees/",
        "/visits/{visit}/summary/",
        "/events/?year=106",
        "/events/{event}/",
        "/announcements/",
        "/announcements/{announcement}/",
        "/accounts/profile/",
    ],
    "assistant": [
        "/dashboard/",
        A + "/",
        A + "/members/106/",
        A + "/kpi/106/",
        A + "/ledger/106/revenue/",
        A + "/ledger/106/revenue/new/",
        A + "/filings/106/",
        A + "/filings/106/first/",
        "/events/?year=106",
        "/announcements/",
    ],
    "office": [
        "/dashboard/",
        "/office/review/106/second/",
        A + "/filings/106/second/review/",
        A + "/filings/106/first/review/",
        "/office/alliances/",
        "/office/alliances/{alliance}/years/",
        "/reports/106/",
        "/reports/106/fields/mech/",
        "/reports/fee-bands/?from=102&to=106",
        "/reports/106/self-sufficiency/",
        "/office/visits/",
        "/office/visits/new/",
        "/office/visits/{visit}/result/",
        "/office/awards/106/",
        "/events/?year=106",
        "/events/{event}/",
        "/office/events/{event}/attendance/",
        "/office/events/duties/?year=106",
        "/announcements/",
        "/office/announcements/new/",
        "/reports/exports/",
        "/reports/exports/{export}/",
        "/office/audit/",
        "/office/background-work/",
        "/office/years/",
        "/office/profiles/",
        "/office/firms/",
        "/office/import/",
        "/office/cross-checks/106/",
        A + "/dossier/106/",
        "/office/reviewers/",
        "/accounts/profile/",
    ],
    "viewer": [
        "/dashboard/",
        "/office/alliances/",
        "/office/review/106/first/",
        "/reports/106/",
        "/office/visits/",
    ],
    "reviewer": [
        "/dashboard/",
        "/visits/",
        "/visits/affiliations/",
        "/visits/{open_visit}/",
        "/visits/{open_visit}/form/",
    ],
}
LANGUAGES = ["zh-hant", "en"]
WIDTHS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (headings, landmarks).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
# axe.run started in the page and kept as a promise, so that the pages of both languages
# are checked at once (two renderers); then awaited.
START_AXE = """options => {
  window.axeResults = new Promise(done => setTimeout(() => done(axe.run(document, options))))
    .then(results => results.violations);
}"""
AXE_RESULTS = "() => window.axeResults"


def describe(violation) -> str:
    nodes = "; ".join(
        f"{' '.join(node['target'])} {node['html'][:120]}" for node in violation["nodes"][:5]
    )
    more = len(violation["nodes"]) - 5
    return f"{violation['id']} ({violation['impact']}): {nodes}" + (
        f" … and {more} more" if more > 0 else ""
    )


def axe_pages(browser, live_server, user) -> dict:
    """A page per language, logged in as `user`, with axe.js loaded into every document."""
    pages = {}
    for language in LANGUAGES:
        context = logged_in_context(browser, live_server, user, language=language)
        context.add_init_script(script=Axe().axe_script)
        pages[language] = context.new_page()
    return pages


def violations(pages: dict) -> dict:
    """{(language, width): axe's violations} of the loaded pages, at each width."""
    found = {}
    for width, size in WIDTHS.items():
        for page in pages.values():
            page.set_viewport_size(size)
            page.evaluate(START_AXE, AXE_OPTIONS)
        for language, page in pages.items():
            found[language, width] = page.evaluate(AXE_RESULTS)
    return found


def test_main_pages_have_no_serious_or_critical_violations(
    live_server, transactional_db, people, browser
):
    ids = scene(people)
    failures, remaining = [], {}
    for role, paths in PAGES.items():
        pages = axe_pages(browser, live_server, getattr(people, role, None))
        for path in paths:
            loaded = {}
            for language, page in pages.items():
                response = page.goto(live_server.url + path.format(**ids))
                if response.ok:
                    loaded[language] = page
                else:
                    failures.append(f"{role} {path} [{language}]: answered {response.status}")
            for (language, width), found in violations(loaded).items():
                for violation in found:
                    line = f"{role} {path} [{language}, {width}]: {describe(violation)}"
                    if violation["impact"] in BLOCKING:
                        failures.append(line)
                    else:
                        rule = f"{violation['id']} ({violation['impact']})"
                        remaining.setdefault(rule, []).append(line)
        for page in pages.values():
            page.context.close()
    for rule, lines in sorted(remaining.items()):
        print(f"{rule} on {len(lines)} page views, e.g. {lines[0]}")
    assert not failures, "serious or critical axe violations:\n" + "\n".join(failures)


def test_the_check_sees_a_violation_when_there_is_one(live_server, transactional_db, browser):
    pages = axe_pages(browser, live_server, None)
    for page in pages.values():
        page.goto(live_server.url + "/")
        page.evaluate(
            "() => document.querySelector('main').append(document.createElement('input'))"
        )
    for (language, width), found in violations(pages).items():
        assert [(v["id"], v["impact"]) for v in found] == [("label", "critical")], (language, width)
        assert found[0]["nodes"][0]["target"] == ["#main > input"]
    for page in pages.values():
        page.context.close()
