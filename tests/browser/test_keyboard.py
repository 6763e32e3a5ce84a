"""In a real Chromium, with the keyboard only (Tab, Enter, Space, typing, and an arrow key
in a radio group or a closed select, where the arrows are how a keyboard chooses; no
mouse): the PI checks, certifies and submits a filing; the office flags an item and issues
the audit record from the review page; the members page's year switch waits for its button.
On every control the walk lands on, the focus is visible: the portal's focus ring (an
outline or its shadow) is drawn, on screen."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from core import roc
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import AuditRecord, FilingKind, FilingState, FilingVersion
from tests.a11y_helpers import logged_in_context
from tests.filing_helpers import submitted_expected

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    text: (el.innerText || "").trim().replace(/\\s+/g, " "),
    label: label.trim().replace(/\\s+/g, " "),
    value: el.value === undefined ? "" : String(el.value),
    checked: !!el.checked,
    ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
      || style.boxShadow !== "none",
    focusVisible: el.matches(":focus-visible"),
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0
      && rect.top < window.innerHeight,
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, what: str, matches, *, limit=250) -> dict:
    """Presses Tab until the focused element matches (at most `limit` times); asserts that
    it shows the focus ring and is on screen."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if matches(now):
            assert now["focusVisible"] and now["ring"], f"{what}: no visible focus ring: {now}"
            assert now["onScreen"], f"{what}: focused but off screen: {now}"
            return now
        seen.append(f"{now['tag']} {now['text'] or now['label']}"[:60])
    raise AssertionError(f"{what}: not reached with Tab; focus went through {seen}")


def named(tag, pattern):
    return lambda f: f["tag"] == tag and re.search(pattern, f["text"] or f["label"])


def labelled(tag, pattern):
    return lambda f: f["tag"] == tag and re.search(pattern, f["label"])


def test_the_pi_checks_certifies_and_submits_with_the_keyboard(
    live_server, transactional_db, people, browser
):
    submitted_expected(people)
    filings.extension_grant(
        filing=filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST),
        by=people.office,
        until=roc.today() + dt.timedelta(days=7),
        reason="補件延期",
    )
    page = logged_in_context(browser, live_server, people.pi).new_page()
    page.goto(f"{live_server.url}/alliances/{people.alliance.pk}/filings/106/first/")

    # The first Tab shows the skip link; Enter skips the header's links.
    tab_to(page, "skip link", named("a", "^跳到主要內容$|^Skip to content$"), limit=1)
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "main"

    tab_to(page, "the check link", named("a", "^檢核、證明並送出$"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("檢核")
    expect(page.get_by_role("heading", name=re.compile("錯誤"))).to_contain_text("(0)")

    tab_to(page, "the statement", lambda f: f["type"] == "checkbox")
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    tab_to(page, "the name", labelled("input", "^您的姓名"), limit=1)
    page.keyboard.type("林主持人")
    tab_to(page, "the submit button", named("button", "^證明並送出$"), limit=1)
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("第 1 版已送出並鎖定")
    expect(page.locator(".state").first).to_have_text("已送出")
    version = FilingVersion.objects.get(filing__kind=FilingKind.FIRST)
    assert (version.number, version.certified_name) == (1, "林主持人")


def test_the_office_flags_an_item_and_issues_the_audit_record_with_the_keyboard(
    live_server, transactional_db, people, browser
):
    submitted_expected(people)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    filings.extension_grant(
        filing=filing, by=people.office, until=roc.today() + dt.timedelta(days=7), reason="補件"
    )
    version = filings.filing_submit(
        filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
    )
    filings.filing_review_start(filing=version.filing, by=people.office)
    page = logged_in_context(browser, live_server, people.office).new_page()
    review_url = f"{live_server.url}/alliances/{people.alliance.pk}/filings/106/first/review/"
    page.goto(review_url)

    # Flag technical-service revenue: open its mark form, choose "flag", a rule and a reason.
    tab_to(page, "the item's mark", named("summary", "^標記 R-SERVICE$"))
    page.keyboard.press("Enter")
    tab_to(page, "the verdicts", lambda f: f["type"] == "radio")
    page.keyboard.press("ArrowDown")  # within a radio group the arrows choose
    now = focused(page)
    assert (now["label"], now["checked"], now["ring"]) == ("有意見", True, True), now
    tab_to(page, "the rule", labelled("select", "^違反規則"), limit=1)
    page.keyboard.type("R5")
    assert focused(page)["value"] == "R5"
    tab_to(page, "the reason", labelled("textarea", "^理由"), limit=1)
    page.keyboard.type("技術服務收入請補上傳發票")
    tab_to(page, "save the mark", named("button", "^儲存標記$"))
    page.keyboard.press("Enter")
    expect(page.locator("#item-R-SERVICE")).to_contain_text("技術服務收入請補上傳發票")

    # Accept the rest, set the correction deadline and issue.
    tab_to(page, "accept the rest", named("button", "^尚未標記的項目全部通過$"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_be_visible()
    due = roc.format_roc_date(roc.today() + dt.timedelta(days=14))
    tab_to(page, "the correction deadline", labelled("input", "^修正期限"))
    page.keyboard.type(due)
    tab_to(page, "issue", named("button", "^開立查核記錄$"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("status").first).to_contain_text("查核記錄 106-1-001 已開立")
    record = AuditRecord.objects.get()
    assert record.has_findings and record.serial == 1
    assert record.filing.state == FilingState.RETURNED


def test_the_year_switch_waits_for_its_button(live_server, transactional_db, people, browser):
    page = logged_in_context(browser, live_server, people.pi).new_page()
    page.goto(f"{live_server.url}/alliances/{people.alliance.pk}/members/106/")
    tab_to(page, "the year", labelled("select", "^計畫年度"))
    page.keyboard.press("ArrowDown")  # a closed select's arrows change its value at once
    assert focused(page)["value"] == "105"
    page.wait_for_timeout(300)
    assert page.url.endswith("/members/106/")  # choosing a year does not leave the page
    tab_to(page, "show", named("button", "^顯示$"), limit=1)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/members/105/$"))
