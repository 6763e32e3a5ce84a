"""Programme-office staff set up two-factor authentication before any office page."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from accounts.models import ProgrammeRole
from tests.conftest import give_mfa

OFFICE_PAGES = [
    "/office/alliances/",
    "/office/pis/new/",
    "/office/pis/import/",
    "/office/audit/",
    "/office/background-work/",
    "/dashboard/",
]


@pytest.fixture
def office_without_mfa(make_user):
    return make_user("new-office@example.org", name="新同仁", programme_role=ProgrammeRole.OFFICE)


@pytest.mark.parametrize("path", OFFICE_PAGES)
def test_office_without_mfa_is_sent_to_set_it_up(client, office_without_mfa, path):
    client.force_login(office_without_mfa)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/?next=")


def test_the_setup_page_itself_is_reachable(client, office_without_mfa):
    client.force_login(office_without_mfa)
    response = client.get("/accounts/2fa/", follow=False)
    assert response.status_code == 200


def test_mfa_requirement_can_be_switched_off_for_development(client, office_without_mfa, settings):
    settings.OFFICE_MFA_REQUIRED = False
    client.force_login(office_without_mfa)
    assert client.get("/office/alliances/").status_code == 200


def test_other_roles_are_not_asked_for_mfa(client, people):
    client.force_login(people.pi)
    assert client.get("/dashboard/").status_code == 200


def test_office_login_asks_for_the_code_and_then_opens_office_pages(client, make_user):
    user = give_mfa(
        make_user("secure@example.org", password="Office-pass-42!", programme_role="office")
    )
    response = client.post(
        "/accounts/login/", {"login": "secure@example.org", "password": "Office-pass-42!"}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    from allauth.mfa.utils import decrypt

    secret = decrypt(
        Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"]
    )
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert "_auth_user_id" not in client.session and wrong.status_code == 200
    counter = next(iter(yield_hotp_counters_from_time()))
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/office/alliances/").status_code == 200
