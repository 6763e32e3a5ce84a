"""Personal API tokens on the profile page: shown once, stored hashed, revocable, with an
expiry and a last-used time; office tokens need two-factor authentication."""

import datetime as dt

import time_machine
from allauth.mfa.models import Authenticator
from django.utils import timezone

from accounts.api_tokens import MAX_ACTIVE, digest_of
from accounts.models import ApiToken
from accounts.services import TokenNotMade, api_token_create
from core.models import AuditEvent

API = "/api/v1/alliances/"


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def make_on_profile(client, user, name="統計系統", days="90"):
    client.force_login(user)
    response = client.post("/accounts/profile/", {"token": "1", "name": name, "days": days})
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    token = ApiToken.objects.filter(user=user).latest("pk")
    start = page.index(f"ap_{token.prefix}_")
    raw = page[start : page.index('"', start)]
    return token, raw, page


def test_a_token_is_shown_once_and_kept_only_as_its_hash(client, people):
    token, raw, page = make_on_profile(client, people.pi)
    assert "只會顯示這一次" in page or "shown only this once" in page
    assert token.digest == digest_of(raw) and raw not in (token.digest, token.prefix)
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    # Not shown again: the next visit lists it by its beginning only.
    again = client.get("/accounts/profile/").content.decode()
    assert raw not in again and f"ap_{token.prefix}…" in again
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.actor == people.pi and raw not in str(event.after)
    # Kept nowhere in clear: not in the session either.
    from django.contrib.sessions.models import Session

    assert not any(raw in str(s.get_decoded()) for s in Session.objects.all())


def test_the_token_reads_as_its_owner_and_records_when_it_was_last_used(client, people):
    _token, raw, _page = make_on_profile(client, people.pi)
    client.logout()
    token = ApiToken.objects.get(user=people.pi)
    assert token.last_used_at is None
    response = client.get(API, **bearer(raw))
    assert response.status_code == 200
    assert [a["code"] for a in response.json()["results"]] == [people.alliance.code]
    token.refresh_from_db()
    assert token.last_used_at is not None
    listed = client.get("/accounts/profile/")  # not signed in: to the login page
    assert listed.status_code == 302


def test_a_revoked_token_stops_working_and_says_why(client, people):
    token, raw, _page = make_on_profile(client, people.pi)
    response = client.post(f"/accounts/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=people.pi).exists()
    client.logout()
    refused = client.get(API, **bearer(raw))
    assert refused.status_code == 401
    assert "撤銷" in refused.json()["detail"]
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_another_persons_token(client, people):
    token, raw = api_token_create(user=people.pi, name="mine", days=30)
    client.force_login(people.other_pi)
    assert client.post(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    client.logout()
    assert client.get(API, **bearer(raw)).status_code == 200


def test_an_expired_token_is_refused(client, people):
    _token, raw = api_token_create(user=people.pi, name="short", days=30)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        refused = client.get(API, **bearer(raw))
    assert refused.status_code == 401
    assert "過期" in refused.json()["detail"]


def test_a_wrong_or_malformed_token_is_refused_in_the_same_way(client, people):
    for header in ("Bearer ap_nothing_here", "Bearer", "Bearer a b", "Bearer xyz"):
        response = client.get(API, HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
    anonymous = client.get(API)
    assert anonymous.status_code == 401
    assert "Authorization: Bearer" in anonymous.json()["detail"]


def test_office_tokens_need_two_factor_authentication(client, people, make_user):
    from accounts.models import ProgrammeRole

    clerk = make_user("clerk@example.org", name="新專員", programme_role=ProgrammeRole.OFFICE)
    client.force_login(clerk)
    page = client.get("/accounts/profile/").content.decode()
    assert "雙重驗證" in page
    refused = client.post("/accounts/profile/", {"token": "1", "name": "x", "days": "90"})
    assert refused.status_code == 400
    assert not ApiToken.objects.filter(user=clerk).exists()
    # With TOTP the office makes one; without it again, the token stops working.
    _token, raw, _page = make_on_profile(client, people.office)
    client.logout()
    assert client.get(API, **bearer(raw)).status_code == 200
    Authenticator.objects.filter(user=people.office).delete()
    assert client.get(API, **bearer(raw)).status_code == 401


def test_a_deactivated_account_s_tokens_stop_working(client, people):
    _token, raw = api_token_create(user=people.copi, name="x", days=30)
    people.copi.is_active = False
    people.copi.save()
    assert client.get(API, **bearer(raw)).status_code == 401


def test_lifetimes_and_the_number_of_tokens_are_bounded(client, people):
    client.force_login(people.pi)
    bad = client.post("/accounts/profile/", {"token": "1", "name": "x", "days": "9999"})
    assert bad.status_code == 400
    assert not ApiToken.objects.filter(user=people.pi).exists()
    for n in range(MAX_ACTIVE):
        api_token_create(user=people.pi, name=f"t{n}", days=30)
    too_many = client.post("/accounts/profile/", {"token": "1", "name": "one more", "days": "30"})
    assert too_many.status_code == 400
    assert "撤銷" in too_many.content.decode()
    assert ApiToken.objects.filter(user=people.pi).count() == MAX_ACTIVE
    try:
        api_token_create(user=people.pi, name="again", days=30)
    except TokenNotMade:
        pass
    else:
        raise AssertionError("an eleventh usable token was made")


def test_the_profile_page_lists_tokens_with_their_state(client, people):
    api_token_create(user=people.pi, name="統計系統", days=30)
    with time_machine.travel(timezone.now() - dt.timedelta(days=60)):
        api_token_create(user=people.pi, name="舊系統", days=30)
    client.force_login(people.pi)
    page = client.get("/accounts/profile/").content.decode()
    assert "統計系統" in page and "舊系統" in page
    assert "已過期" in page and "可使用" in page
    assert page.count("撤銷權杖") == 1  # only the usable one can be revoked


def test_the_command_makes_a_token_that_reads_the_api(client, people):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command(
        "api_token",
        "pi@example.org",
        "--name",
        "README",
        "--days",
        "30",
        stdout=out,
        stderr=StringIO(),
    )
    raw = out.getvalue().strip()
    assert raw.startswith("ap_")
    assert client.get(API, **bearer(raw)).status_code == 200
    assert ApiToken.objects.get(user=people.pi).name == "README"


def test_a_new_password_ends_every_token(client, people):
    _token, raw = api_token_create(user=people.pi, name="x", days=30)
    client.force_login(people.pi)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-battery",
            "password1": "a-new-long-passphrase-7",
            "password2": "a-new-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert client.get(API, **bearer(raw)).status_code == 401
    assert ApiToken.objects.get(user=people.pi).revoked_at is not None


def test_the_language_of_emails_and_api_answers_is_set_on_the_profile(client, people):
    client.force_login(people.pi)
    response = client.post("/accounts/profile/", {"language": "en"})
    assert response.status_code == 302
    people.pi.refresh_from_db()
    assert people.pi.preferred_language == "en"
    assert AuditEvent.objects.filter(action="account.language_set").exists()
    client.logout()
    _token, raw = api_token_create(user=people.pi, name="x", days=30)
    body = client.get(
        f"/api/v1/alliances/{people.alliance.code}/years/106/filings/", **bearer(raw)
    ).json()
    assert body["results"][0]["state_label"] == "Draft"
    bad = client.post("/accounts/profile/", {"language": "fr"})
    assert bad.status_code == 302  # signed out: to the login page, nothing saved
    people.pi.refresh_from_db()
    assert people.pi.preferred_language == "en"
