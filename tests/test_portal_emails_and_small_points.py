"""Issue 26, points 7 and 9: emails name the portal and link to where it is served (and
`make run` serves there); the pages that say to contact the office give its address; the
export's progress starts at step 1; the certification statement has no label suffix."""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from core.mail import send_templated_email
from core.models import OutboundEmail
from kpi.filings.forms import CertifyForm
from reports.models import Export
from tests.report_helpers import finished_export

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
CONTACT = "help-desk@alliance.example.org"
PASSWORD = "Kx8#mPq2!vL9"


def registration(people, **overrides):
    data = {
        "name": "新助理",
        "email": "newbie@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "alliance": str(people.alliance.pk),
        "note": "",
    }
    return data | overrides


# --- 7. Emails: the portal's name, links to PORTAL_BASE_URL ---------------------------


def test_the_confirmation_email_greets_from_the_portal_and_links_to_its_address(
    client, people, settings, worker
):
    settings.PORTAL_BASE_URL = BASE
    # The Host of the request is not where the portal is served (a proxy, another port).
    response = client.post("/register/", registration(people), HTTP_HOST="localhost")
    assert response.status_code == 302
    worker()
    message = next(m for m in mail.outbox if m.to == ["newbie@example.org"])
    name = django_settings.PORTAL_SITE_NAME
    assert name and message.body.startswith(f"{name}來信")  # not "來自!的問候"
    assert f"感謝您使用{name}。" in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith(BASE + "/") for link in links), links
    assert any("/accounts/confirm-email/" in link for link in links)
    assert "localhost" not in message.body


def test_the_confirmation_email_in_english_names_the_portal_too(client, people, settings):
    settings.PORTAL_BASE_URL = BASE
    client.cookies["django_language"] = "en"
    client.post("/register/", registration(people))
    body = OutboundEmail.objects.get(to=["newbie@example.org"]).body_text
    name = django_settings.PORTAL_SITE_NAME
    assert body.startswith(f"A message from {name}") and f"Thank you for using {name}." in body
    assert f"{BASE}/accounts/confirm-email/" in body


def test_a_site_row_without_a_name_still_greets_with_the_portal_name(client, people):
    from django.contrib.sites.models import Site

    Site.objects.update(name="")
    Site.objects.clear_cache()
    try:
        client.post("/register/", registration(people))
    finally:
        Site.objects.clear_cache()
    body = OutboundEmail.objects.get(to=["newbie@example.org"]).body_text
    assert body.startswith(f"{django_settings.PORTAL_SITE_NAME}來信"), body


def test_the_password_reset_email_links_to_the_portal_address(client, outsider, settings):
    settings.PORTAL_BASE_URL = BASE
    client.post(reverse("account_reset_password"), {"email": outsider.email}, HTTP_HOST="localhost")
    body = OutboundEmail.objects.get(to=[outsider.email]).body_text
    assert re.search(re.escape(BASE) + r"/accounts/password/reset/key/\S+", body), body
    assert "localhost" not in body


def test_every_portal_email_ends_with_the_portal_name_and_address(people, settings, worker):
    settings.PORTAL_BASE_URL = BASE
    for language in ("zh-hant", "en"):
        send_templated_email(to=["pi@example.org"], template="test_message", language=language)
    # A message a service sends: the assistant's request to the PI links to the team page.
    from alliances.services import assistant_register

    assistant_register(
        email="new@example.org", name="新助理", password=PASSWORD, alliance=people.alliance
    )
    worker()
    footer = f"\n\n-- \n{django_settings.PORTAL_SITE_NAME}\n{BASE}/\n"
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) >= 3 and all(body.endswith(footer) for body in bodies), bodies
    request = next(m for m in mail.outbox if "/team/" in m.body)
    assert f"{BASE}/alliances/{people.alliance.pk}/team/" in request.body


def test_make_run_links_emails_to_the_port_it_serves():
    makefile = (ROOT / "Makefile").read_text()
    assert "run: export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)" in makefile

    def dry_run(**env):
        environment = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"} | env
        return subprocess.run(
            ["make", "-n", "run", "PORT=8123"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    plan = dry_run()
    assert "runserver 127.0.0.1:8123" in plan
    assert "emails link to http://127.0.0.1:8123)" in plan
    # A PORTAL_BASE_URL given (a proxy in front) is kept.
    given = dry_run(PORTAL_BASE_URL="https://portal.example.org")
    assert "emails link to https://portal.example.org)" in given


# --- 7. The pages that say to contact the office name its address ---------------------


def test_the_contact_address_defaults_to_the_office_address():
    assert django_settings.PORTAL_CONTACT_EMAIL == "office@example.org"


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_verify_your_email_pages_name_the_contact_address(client, people, settings, language):
    settings.PORTAL_CONTACT_EMAIL = CONTACT
    client.cookies["django_language"] = language
    link = f'<a href="mailto:{CONTACT}">{CONTACT}</a>'
    # Registering, then logging in unconfirmed, lead to "verify your email".
    done = client.post("/register/", registration(people), follow=True)
    assert link in done.content.decode()
    login = client.post(
        reverse("account_login"), {"login": "newbie@example.org", "password": PASSWORD}
    )
    sent = client.get(login["Location"])
    assert sent.status_code == 200 and link in sent.content.decode()
    with translation.override(language):
        assert gettext("Confirm your email address") in sent.content.decode()
    request = RequestFactory().get("/")
    request.user = people.pi
    with translation.override(language):
        required = render_to_string(
            "account/verified_email_required.html",
            {"PORTAL_CONTACT_EMAIL": CONTACT},
            request=request,
        )
    assert link in required


def test_the_password_reset_pages_name_the_contact_address(client, outsider, settings):
    settings.PORTAL_CONTACT_EMAIL = CONTACT
    link = f'href="mailto:{CONTACT}"'
    form = client.get(reverse("account_reset_password")).content.decode()
    assert link in form and 'name="email"' in form
    done = client.post(reverse("account_reset_password"), {"email": outsider.email}, follow=True)
    assert link in done.content.decode()
    # A bad address is said, not a 500.
    bad = client.post(reverse("account_reset_password"), {"email": "not-an-address"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()


def test_the_server_error_page_names_the_contact_address(db, rf, settings):
    from alliance_portal import health

    settings.PORTAL_CONTACT_EMAIL = CONTACT
    try:
        raise ValueError("a bug")
    except ValueError:
        response = health.server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert page.count(f'<a href="mailto:{CONTACT}">{CONTACT}</a>') == 2  # zh-Hant and English


# --- 9. The small points ---------------------------------------------------------------


def test_the_export_progress_starts_at_step_one(client, office_user):
    export = finished_export(office_user, b"PK")
    client.force_login(office_user)
    url = reverse("report_export", args=[export.pk])

    Export.objects.filter(pk=export.pk).update(status=Export.Status.QUEUED, done=0, total=6)
    queued = client.get(url).content.decode()
    assert "第 0 步" not in queued and gettext("waiting to start") in queued

    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, done=0, total=6)
    running = client.get(url).content.decode()
    assert "第 1 步，共 6 步" in running and "第 0 步" not in running

    Export.objects.filter(pk=export.pk).update(done=6)  # the last step written, not yet saved
    assert "第 6 步，共 6 步" in client.get(url).content.decode()

    client.cookies["django_language"] = "en"
    Export.objects.filter(pk=export.pk).update(done=2)
    assert "step 3 of 6" in client.get(url).content.decode()


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_certification_statement_has_no_label_suffix(language):
    with translation.override(language):
        form = CertifyForm()
        statement = form["confirm"].label_tag()
        name = form["name"].label_tag()
    assert "。：" not in statement and not re.search(r"[:：]</label>", statement), statement
    # The other field keeps the usual suffix; other forms are untouched.
    assert re.search(r"[:：]</label>", name), name
