"""The mail service: rendered per language, logged, sent by the worker, never twice."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.mail import deliver_email, send_templated_email
from core.models import OutboundEmail
from core.tasks import retry_delay
from tests import support


def test_message_is_rendered_in_the_recipients_language(db):
    zh = send_templated_email(to=["a@example.org"], template="test_message", language="zh-hant")
    en = send_templated_email(to=["b@example.org"], template="test_message", language="en")
    assert "測試" in zh.subject
    assert en.subject == "Alliance Portal: test message"
    assert "email" in en.body_text and "<p>" in en.body_html
    assert zh.status == OutboundEmail.Status.QUEUED


def test_worker_sends_and_logs_the_message(worker):
    email = send_templated_email(to=["pi@example.org"], template="test_message", language="en")
    assert mail.outbox == []  # queued, not sent inside the request
    worker()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pi@example.org"]
    assert mail.outbox[0].subject == email.subject
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None


def test_a_message_recorded_as_sent_is_not_sent_again(worker):
    email = send_templated_email(to=["pi@example.org"], template="test_message")
    worker()
    assert len(mail.outbox) == 1

    # The same delivery task runs a second time (a duplicate enqueue, a replayed retry).
    second = deliver_email.enqueue(email.pk)
    worker()
    second.refresh()
    assert second.return_value == "already-sent"
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_failed_delivery_is_retried_and_logged(worker, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.support.FlakyEmailBackend"}}
    support.FlakyEmailBackend.failures = 1
    with time_machine.travel(timezone.now(), tick=False) as clock:
        email = send_templated_email(to=["pi@example.org"], template="test_message")
        worker()
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.RETRYING
        assert "SMTPServerDisconnected" in email.last_error
        assert mail.outbox == []

        clock.shift(retry_delay(1) + dt.timedelta(seconds=1))
        worker()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_dedupe_key_queues_one_message(db):
    first = send_templated_email(to=["pi@example.org"], template="test_message", dedupe_key="k1")
    again = send_templated_email(to=["pi@example.org"], template="test_message", dedupe_key="k1")
    assert first.pk == again.pk
    assert OutboundEmail.objects.count() == 1


def test_a_message_needs_a_recipient(db):
    with pytest.raises(ValueError):
        send_templated_email(to=[], template="test_message")
    assert OutboundEmail.objects.count() == 0
