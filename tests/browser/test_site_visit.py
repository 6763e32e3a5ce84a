"""In a real Chromium: a reviewer opens their assigned visit, declares no conflict of
interest, fills the review form, saves a draft, submits it, and finds it locked afterwards."""

import re

import pytest
from playwright.sync_api import expect

from inspections.models import FormStatus, ReviewForm, ReviewPoint
from tests.browser.test_review_loop import logged_in
from tests.visit_helpers import KNOWN_SCORES, schedule

pytestmark = pytest.mark.browser


def test_a_reviewer_fills_and_submits_the_form_and_cannot_edit_it_after(
    live_server, transactional_db, people, browser
):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    page = logged_in(browser, live_server, people.reviewer)
    base = live_server.url

    page.goto(f"{base}/visits/")
    page.get_by_role("link", name=people.alliance.name_zh).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(people.alliance.name_zh)
    page.get_by_role("link", name="填寫審查表").click()
    # First the declaration on conflicts of interest; then the form opens.
    page.locator("#declare-none").click()

    scores = KNOWN_SCORES[0]
    points = list(ReviewPoint.choices)
    # Score the first three points and save a draft.
    for (_point, _label), score in zip(points[:3], scores[:3], strict=True):
        group = page.locator(f"#point-{_point}")
        group.get_by_label(str(score), exact=True).check()
        group.get_by_role("textbox").fill(f"第{score}分的理由")
    page.get_by_role("button", name="儲存草稿").click()
    expect(page.get_by_role("status").first).to_contain_text("草稿已儲存")
    expect(
        page.locator(f"#point-{points[0][0]}").get_by_label(str(scores[0]), exact=True)
    ).to_be_checked()

    # Submitting before every point is scored is refused, saying what is missing.
    page.get_by_role("button", name="送出審查表").click()
    expect(page.get_by_role("status").first).to_contain_text("尚未評分")
    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT

    for (_point, _label), score in zip(points[3:], scores[3:], strict=True):
        group = page.locator(f"#point-{_point}")
        group.get_by_label(str(score), exact=True).check()
        group.get_by_role("textbox").fill(f"第{score}分的理由")
    page.get_by_label(re.compile("良好，建議")).check()
    page.get_by_label("綜合意見").fill("團隊分工清楚，建議持續推廣。")
    page.get_by_role("button", name="送出審查表").click()
    expect(page.get_by_role("status").first).to_contain_text("已送出並鎖定")

    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert [s.score for s in form.scores.order_by("pk")] == scores

    # Afterwards the form reads, locked: no inputs, no buttons to save or submit.
    page.goto(f"{base}/visits/{visit.pk}/form/")
    expect(page.locator("#form-status")).to_contain_text("已鎖定")
    expect(page.get_by_role("button", name="送出審查表")).to_have_count(0)
    expect(page.get_by_role("button", name="儲存草稿")).to_have_count(0)
    expect(page.locator("input[type=radio]")).to_have_count(0)
    # A second reviewer's visit list does not show this alliance.
    other = logged_in(browser, live_server, people.other_reviewer)
    other.goto(f"{base}/visits/")
    expect(other.get_by_role("link", name=people.alliance.name_zh)).to_have_count(0)
    response = other.goto(f"{base}/visits/{visit.pk}/form/")
    assert response.status == 404
