"""At a phone's width (390 px) no main page of any role scrolls sideways, in zh-Hant or
English: wide tables scroll inside their own box (or reflow), the page itself never does;
and an item code (M-COMPANY, R-TOTAL-C) never breaks inside itself."""

import pytest

from tests.a11y_helpers import logged_in_context, scene
from tests.browser.test_accessibility import LANGUAGES, PAGES

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# What sticks out of the page: the elements wider than the viewport that are not inside a
# box that scrolls on its own.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const page = document.documentElement.scrollWidth;
  const culprits = [];
  if (page > width) {
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right <= width + 0.5) continue;
      let inside = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { inside = true; break; }
      }
      const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
      if (!inside) culprits.push(name + ' ' + Math.round(box.right));
      if (culprits.length > 4) break;
    }
  }
  return {page, width, culprits};
}"""
# Item codes written in the page, each on one line.
BROKEN_CODES = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('.code, code')) {
    if (el.getClientRects().length > 1 && /^[A-Z]+-[A-Z0-9-]+$/.test(el.textContent.trim())) {
      broken.push(el.textContent.trim());
    }
  }
  return broken;
}"""


def test_no_main_page_scrolls_sideways_on_a_phone(live_server, transactional_db, people, browser):
    ids = scene(people)
    wrong = []
    for role, paths in PAGES.items():
        user = getattr(people, role, None)
        pages = {
            language: logged_in_context(
                browser, live_server, user, language=language, viewport=PHONE
            ).new_page()
            for language in LANGUAGES
        }
        for path in paths:
            for language, page in pages.items():
                page.goto(live_server.url + path.format(**ids))
                found = page.evaluate(OVERFLOW)
                if found["page"] > found["width"]:
                    wrong.append(
                        f"{role} {path} [{language}]: {found['page']}px wide, "
                        f"sticking out: {found['culprits']}"
                    )
                broken = page.evaluate(BROKEN_CODES)
                if broken:
                    wrong.append(f"{role} {path} [{language}]: codes broken across lines {broken}")
        for page in pages.values():
            page.context.close()
    assert not wrong, "\n".join(wrong)


def test_a_wide_table_keeps_its_labels_in_view_while_its_values_scroll(
    live_server, transactional_db, people, browser
):
    """The KPI page on a phone: the item column stays put, the values scroll beside it."""
    ids = scene(people)
    for language in LANGUAGES:
        page = logged_in_context(
            browser, live_server, people.pi, language=language, viewport=PHONE
        ).new_page()
        page.goto(f"{live_server.url}/alliances/{ids['alliance']}/kpi/106/")
        box = page.locator(".table-scroll").first
        label = box.locator("tbody tr").first.locator("th, td").first
        last = box.locator("tbody tr").first.locator("td").last
        before = label.bounding_box()
        box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        after = label.bounding_box()
        assert abs(after["x"] - before["x"]) < 1, "the label column moved with the values"
        value = last.bounding_box()
        assert value["x"] + value["width"] <= PHONE["width"] + 1, "the last value is off-screen"
        assert value["x"] >= after["x"] + after["width"] - 1, "a value hides under the label"
        page.context.close()
