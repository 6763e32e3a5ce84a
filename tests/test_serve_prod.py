"""The production topology of `make serve-prod` (issue 12): two app servers and two task
workers on one PostgreSQL share everything a person's visit needs.

Log in through instance A and go on through instance B; a task enqueued through A runs
exactly once, on one of the two workers; hashed static files come from WhiteNoise; both
instances report healthy with two workers beating.
"""

import re
import time

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.utils.crypto import get_random_string

from tests.prod_topology import Topology, csrf_token

PASSWORD = "Prod-topology-2026!"


@pytest.fixture
def topology(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the production topology runs on PostgreSQL, which CI runs")
    running = Topology(tmp_path)
    try:
        running.wait_healthy()
        yield running
    finally:
        running.stop()


@pytest.fixture
def pi(make_user):
    user = make_user("prod-pi@example.org", name="林主持人")
    # Production settings know no MD5 (the test hasher): store a PBKDF2 hash they accept.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, get_random_string(12), 1000)
    user.save(update_fields=["password"])
    return user


def log_in(session: requests.Session, base: str, email: str) -> requests.Response:
    page = session.get(f"{base}/accounts/login/", timeout=10)
    assert page.status_code == 200
    return session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf_token(page.text), "login": email, "password": PASSWORD},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
    )


def test_log_in_through_a_continue_through_b_and_a_task_runs_once(topology, pi):
    from django_tasks_db.models import DBTaskResult

    from core.models import OutboundEmail, WorkerHeartbeat

    session = requests.Session()
    answer = log_in(session, topology.a, pi.email)
    assert answer.status_code == 200 and answer.url.startswith(topology.a), answer.url
    assert "林主持人" in answer.text  # A shows the dashboard of the logged-in person

    # The session cookie from A is good on B: B knows who this is (sessions are shared).
    on_b = session.get(f"{topology.b}/dashboard/", timeout=10, allow_redirects=False)
    assert on_b.status_code == 200, on_b.headers.get("Location")
    assert "林主持人" in on_b.text and "登出" in on_b.text
    # A form rendered by B posts to A (CSRF secret in the shared session/cookie).
    page = session.get(f"{topology.b}/accounts/password/change/", timeout=10)
    assert page.status_code == 200

    # A task through A: a password-reset email, queued by A, delivered by a worker.
    anonymous = requests.Session()
    form = anonymous.get(f"{topology.a}/accounts/password/reset/", timeout=10)
    sent = anonymous.post(
        f"{topology.a}/accounts/password/reset/",
        data={"csrfmiddlewaretoken": csrf_token(form.text), "email": pi.email},
        headers={"Referer": f"{topology.a}/accounts/password/reset/"},
        timeout=10,
    )
    assert sent.status_code == 200 and "/accounts/password/reset/done/" in sent.url

    email = OutboundEmail.objects.get(to=[pi.email])
    for _ in range(60):
        email.refresh_from_db()
        if email.status == OutboundEmail.Status.SENT:
            break
        time.sleep(0.5)
    assert email.status == OutboundEmail.Status.SENT, topology.output()
    assert email.attempts == 1
    runs = DBTaskResult.objects.filter(task_path="core.mail.deliver_email")
    assert runs.count() == 1
    run = runs.get()
    assert run.status == "SUCCESSFUL"
    assert len(run.worker_ids) == 1  # claimed once, by one worker
    workers = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    assert len(workers) == 2 and run.worker_ids[0] in workers
    messages = topology.sent_messages()
    assert len(messages) == 1 and pi.email in messages[0]  # delivered exactly once

    # Logging out through B ends the session for A as well.
    form = session.get(f"{topology.b}/accounts/logout/", timeout=10)
    session.post(
        f"{topology.b}/accounts/logout/",
        data={"csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": f"{topology.b}/accounts/logout/"},
        timeout=10,
    )
    after = session.get(f"{topology.a}/dashboard/", timeout=10, allow_redirects=False)
    assert after.status_code == 302 and "/accounts/login/" in after.headers["Location"]


def test_both_instances_are_healthy_and_serve_hashed_static_files(topology):
    for base in (topology.a, topology.b):
        health = requests.get(f"{base}/healthz", timeout=10).json()
        assert health["status"] == "ok"
        assert health["checks"]["worker"]["workers"] == 2
        assert health["checks"]["migrations"]["unapplied"] == 0
    home = requests.get(f"{topology.b}/", timeout=10)
    css = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', home.text)
    assert css, "the home page links the hashed stylesheet"
    sheet = requests.get(topology.a + css.group(1), timeout=10)
    assert sheet.status_code == 200 and "text/css" in sheet.headers["Content-Type"]
    assert "max-age=315360000" in sheet.headers["Cache-Control"]  # hashed: cached for ever
    # Production answers: DEBUG is off (a plain 404 page, no technical details).
    missing = requests.get(f"{topology.a}/no-such-page/", timeout=10)
    assert missing.status_code == 404 and "Traceback" not in missing.text


def test_failed_logins_through_either_instance_count_towards_one_limit(topology, pi):
    """Rate limits live in the shared cache: five failures per address in five minutes,
    wherever they land. (Both get the Host a load balancer would pass on: allauth's key
    includes the site's host, which here would otherwise differ by port.)"""
    answers = []
    for base in [topology.a, topology.b] * 3:
        session = requests.Session()
        session.headers["Host"] = f"127.0.0.1:{topology.port_a}"
        page = session.get(f"{base}/accounts/login/", timeout=10)
        answer = session.post(
            f"{base}/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "login": pi.email,
                "password": "wrong-password",
            },
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=10,
        )
        answers.append(
            "limited"
            if "失敗次數過多" in answer.text
            else "wrong"
            if "不正確" in answer.text
            else f"{answer.status_code} {answer.url} {answer.text[:3000]}"
        )
    assert answers == ["wrong"] * 5 + ["limited"]
