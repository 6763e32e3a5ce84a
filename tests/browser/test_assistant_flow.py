"""In a real Chromium: an assistant signs up and sees nothing of the alliance; the PI
approves in the browser; the assistant sees the alliance; after revocation, 404."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "Kx8#mPq2!vL9"


def log_in(page, base, email, password):
    page.goto(base + "/accounts/login/")
    page.get_by_label(re.compile("^電子")).fill(email)
    page.get_by_label(re.compile("^密碼")).fill(password)
    page.get_by_role("button", name="登入").click()


def test_assistant_signup_approval_and_revocation(live_server, transactional_db, people, browser):
    from core.models import OutboundEmail

    base = live_server.url
    alliance_url = f"{base}/alliances/{people.alliance.pk}/"

    assistant = browser.new_page()
    assistant.set_default_timeout(10_000)
    assistant.goto(base + "/register/")
    # The list's filter (static/js/alliance-search.js): the PI's name finds one alliance.
    assistant.locator("#alliance-filter").fill("林主持人")
    assistant.get_by_label("姓名").fill("新助理")
    assistant.get_by_label("電子郵件").fill("newbie@example.org")
    assistant.get_by_label(re.compile("^密碼")).fill(PASSWORD)
    assistant.get_by_label("再次輸入密碼").fill(PASSWORD)
    assistant.get_by_label(re.compile("^聯盟")).select_option(str(people.alliance.pk))
    assistant.get_by_label("給計畫主持人的說明").fill("我負責會員資料")
    assistant.get_by_role("button", name="註冊").click()
    expect(assistant.get_by_role("heading", level=1)).to_have_text("已收到註冊申請")

    # Confirm the address through the link in the (logged) email.
    body = OutboundEmail.objects.get(to=["newbie@example.org"]).body_text
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", body).group(1)
    assistant.goto(base + link)
    assistant.get_by_role("button", name="確認").click()

    log_in(assistant, base, "newbie@example.org", PASSWORD)
    expect(assistant.get_by_text("正等待計畫主持人核准")).to_be_visible()
    response = assistant.goto(alliance_url)
    assert response.status == 404
    expect(assistant.get_by_role("heading", level=1)).to_have_text("找不到此頁面")

    pi = browser.new_context().new_page()
    pi.set_default_timeout(10_000)
    log_in(pi, base, "pi@example.org", "correct-horse-battery")
    todo = pi.get_by_role("region", name="待辦：等待您核准的助理")
    expect(todo).to_contain_text("新助理")
    todo.get_by_role("listitem").filter(has_text="新助理").get_by_role("link", name="核准").click()
    pi.get_by_label("維護紀錄帳").check()
    pi.get_by_role("button", name="核准").click()
    expect(pi.get_by_role("status")).to_contain_text("已核准 新助理")

    response = assistant.goto(alliance_url)
    assert response.status == 200
    expect(assistant.get_by_role("heading", level=1)).to_have_text(people.alliance.name_zh)
    expect(assistant.get_by_text("維護紀錄帳").first).to_be_visible()

    pi.goto(f"{base}/alliances/{people.alliance.pk}/team/")
    row = pi.get_by_role("row").filter(has_text="newbie@example.org")
    row.get_by_role("link", name="撤銷").click()
    pi.get_by_role("button", name="終止角色").click()
    expect(pi.get_by_role("status")).to_contain_text("角色已終止")

    response = assistant.goto(alliance_url)
    assert response.status == 404
