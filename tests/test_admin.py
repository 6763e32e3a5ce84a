"""/admin/ is not mounted in production unless ADMIN_ENABLED says so; mounted, it sits behind
the portal's own login (its failed-login limits, its second factor) and answers 404 to
anyone who is not staff."""

import importlib
from urllib.parse import unquote

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from tests.conftest import give_mfa
from tests.test_deploy_settings import manage

RESOLVE = (
    "from django.urls import resolve, Resolver404\n"
    "try:\n    resolve('/admin/'); print('mounted')\n"
    "except Resolver404:\n    print('absent')"
)


@pytest.mark.parametrize(("setting", "expected"), [(None, "absent"), ("true", "mounted")])
def test_production_mounts_the_admin_only_when_enabled(tmp_path, setting, expected):
    env = {"ADMIN_ENABLED": setting} if setting else {}
    result = manage("shell", "-c", RESOLVE, tmp_path=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_without_the_setting_admin_urls_are_404(client, office_user):
    import alliance_portal.urls

    try:
        with override_settings(ADMIN_ENABLED=False):
            importlib.reload(alliance_portal.urls)
            clear_url_caches()
            client.force_login(office_user)
            assert client.get("/admin/").status_code == 404
            assert client.get("/admin/login/").status_code == 404
    finally:
        importlib.reload(alliance_portal.urls)
        clear_url_caches()


@pytest.fixture
def staff(make_user):
    user = make_user("staff@example.org", name="系統管理員")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_an_anonymous_visitor_is_sent_to_the_portal_login(client, staff):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    # The admin has no password form of its own: a posted password logs nobody in.
    posted = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.org", "password": "correct-horse-battery"},
    )
    assert posted.status_code == 302 and posted["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_staff_without_two_factor_authentication_is_sent_to_set_it_up(client, staff):
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    # (allauth asks for the password again before a second factor is added)
    assert "/accounts/2fa/totp/activate/" in unquote(response.redirect_chain[1][0])
    assert client.get("/admin/portal/auditevent/").status_code == 302


def test_staff_with_two_factor_authentication_reaches_the_admin(client, staff):
    client.force_login(give_mfa(staff))
    response = client.get("/admin/portal/auditevent/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_anyone_else_gets_404(client, people):
    client.force_login(people.pi)
    assert client.get("/admin/", follow=True).status_code == 404
    people.office.is_staff = False
    client.force_login(people.office)
    assert client.get("/admin/", follow=True).status_code == 404


def test_the_admin_login_is_the_portal_login_with_its_limits(client, staff):
    for _ in range(5):
        client.post("/accounts/login/", {"login": staff.email, "password": "wrong"})
    locked = client.post(
        "/accounts/login/?next=/admin/",
        {"login": staff.email, "password": "correct-horse-battery"},
    )
    assert "失敗次數過多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
