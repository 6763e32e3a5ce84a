import re

import pytest
from django.core import mail
from django.urls import reverse

from core.models import OutboundEmail

pytestmark = pytest.mark.smoke


def test_a_wrong_password_is_explained_in_chinese(client, outsider):
    response = client.post(
        reverse("account_login"), {"login": "outsider@example.org", "password": "wrong"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "不正確" in html
    assert "_auth_user_id" not in client.session


def test_login_by_email_in_any_case(client, outsider):
    response = client.post(
        reverse("account_login"),
        {"login": "Outsider@Example.org", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(outsider.pk)


def test_password_reset_mail_goes_through_the_mail_service(client, outsider, worker):
    response = client.post(reverse("account_reset_password"), {"email": "outsider@example.org"})
    assert response.status_code == 302
    logged = OutboundEmail.objects.get()
    assert logged.to == ["outsider@example.org"]
    assert logged.template == "account/email/password_reset_key"
    assert "[產學小聯盟]" in logged.subject
    assert mail.outbox == []  # queued, not sent in the request

    worker()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    logged.refresh_from_db()
    assert logged.status == OutboundEmail.Status.SENT


def test_signup_is_closed_until_assistant_registration(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "id_password1" not in response.content.decode()
