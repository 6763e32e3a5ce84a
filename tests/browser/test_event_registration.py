"""In a real Chromium: an assistant with the capability registers two people for a
training session, sees the seats taken, and the confirmation email goes out with the
calendar file."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from core import roc
from events.models import Registration, RegistrationStatus
from tests.browser.test_review_loop import logged_in
from tests.event_helpers import training

pytestmark = pytest.mark.browser


def test_an_assistant_registers_two_people_and_the_confirmation_is_sent(
    live_server, transactional_db, people, browser, worker
):
    people.assistant_role.capabilities = ["ledger", "events"]
    people.assistant_role.save()
    today = roc.today()
    event = training(
        people,
        capacity=40,
        date=today + dt.timedelta(days=30),
        registration_deadline=today + dt.timedelta(days=20),
    )
    page = logged_in(browser, live_server, people.assistant)
    page.goto(f"{live_server.url}/events/?year=106")
    page.get_by_role("link", name=event.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    page.get_by_label(re.compile("^聯盟")).select_option(str(people.alliance.pk))
    page.get_by_label("第 1 位出席者姓名").fill("黃助理")
    page.get_by_label("第 1 位出席者電子郵件").fill("assistant@example.org")
    page.get_by_label("第 2 位出席者姓名").fill("陳工程師")
    page.get_by_label("第 2 位出席者職稱").fill("研究助理")
    page.get_by_role("button", name="報名", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("已報名")
    expect(page.get_by_role("row", name=people.alliance.name_zh)).to_contain_text("陳工程師")
    expect(page.locator("dl.facts")).to_contain_text("2 / 40")

    registration = Registration.objects.get(event=event)
    assert registration.status == RegistrationStatus.CONFIRMED and registration.seats == 2
    assert registration.registered_by == people.assistant
    worker()
    [message] = [m for m in mail.outbox if m.to == ["assistant@example.org"]]
    assert event.title in message.subject and "陳工程師" in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == "event.ics" and mimetype.startswith("text/calendar")
    unfolded = content.replace("\r\n ", "")  # RFC 5545 folds long lines
    assert "METHOD:REQUEST" in unfolded and "mailto:assistant@example.org" in unfolded
