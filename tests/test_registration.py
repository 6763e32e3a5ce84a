"""Assistant self-registration: a pending role the PI decides on; bad input changes nothing."""

import re

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from alliances.models import AllianceRole, RoleStatus
from core.models import AuditEvent, OutboundEmail


def page_text(response) -> str:
    """The page without its per-session CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def state():
    return (
        User.objects.count(),
        AllianceRole.objects.count(),
        AuditEvent.objects.count(),
        OutboundEmail.objects.count(),
    )


def form(people, **overrides):
    data = {
        "name": "新助理",
        "email": "newbie@example.org",
        "password1": "Kx8#mPq2!vL9",
        "password2": "Kx8#mPq2!vL9",
        "alliance": str(people.alliance.pk),
        "note": "我負責會員資料",
    }
    data.update(overrides)
    return data


def test_registration_creates_a_pending_role_and_tells_the_pi_and_co_pis(client, people):
    response = client.post("/register/", form(people))
    assert response.status_code == 302 and response["Location"] == "/register/done/"
    user = User.objects.get(email="newbie@example.org")
    role = AllianceRole.objects.get(user=user)
    assert role.status == RoleStatus.PENDING and role.note == "我負責會員資料"
    assert not EmailAddress.objects.get(user=user).verified
    recipients = sorted(e.to[0] for e in OutboundEmail.objects.all())
    assert recipients == ["copi@example.org", "newbie@example.org", "pi@example.org"]
    # The confirmation greets from the portal's name (the site row), not a blank one.
    confirm = OutboundEmail.objects.get(to=["newbie@example.org"]).body_text
    assert (
        confirm.startswith("產學小聯盟管考平台來信") and "感謝您使用產學小聯盟管考平台。" in confirm
    )
    to_pi = OutboundEmail.objects.get(to=["pi@example.org"])
    assert "新助理" in to_pi.subject and f"/alliances/{people.alliance.pk}/team/" in to_pi.body_text
    event = AuditEvent.objects.get(action="role.requested")
    assert event.action == "role.requested" and event.actor == user
    assert event.before == {"role": None, "status": None} and event.after["status"] == "pending"
    done = client.get("/register/done/").content.decode()
    assert people.alliance.name_zh in done


def test_an_unverified_assistant_cannot_log_in_and_sees_nothing(client, people):
    client.post("/register/", form(people))
    response = client.post(
        "/accounts/login/", {"login": "newbie@example.org", "password": "Kx8#mPq2!vL9"}
    )
    assert "_auth_user_id" not in client.session
    assert "/accounts/confirm-email/" in response["Location"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"alliance": "999999"}, "alliance", "請從清單中選擇聯盟"),
        ({"alliance": "abc"}, "alliance", "請從清單中選擇聯盟"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "密碼"),
        ({"password2": "something-else-7"}, "password2", "不一致"),
        ({"email": "not-an-email"}, "email", "有效"),
        ({"name": ""}, "name", "必須"),
    ],
)
def test_bad_registrations_say_what_to_fix_and_change_nothing(
    client, people, overrides, field, message
):
    before = state()
    response = client.post("/register/", form(people, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert state() == before


@pytest.mark.parametrize("known", ["pi@example.org", "PI@Example.org"])
def test_a_known_email_gets_the_same_answer_and_its_owner_an_email(client, people, known):
    """No account enumeration: the page cannot tell a known address from a new one."""
    fresh = client.post("/register/", form(people, email="brand-new@example.org"))
    fresh_page = page_text(client.get(fresh["Location"]))
    client.cookies.clear()
    users = User.objects.count()
    response = client.post("/register/", form(people, email=known))
    assert (response.status_code, response["Location"]) == (fresh.status_code, fresh["Location"])
    assert page_text(client.get(response["Location"])) == fresh_page
    # Nothing about the account changed; its owner is told, and the attempt is audited.
    assert User.objects.count() == users
    assert not AllianceRole.objects.filter(user=people.pi, role="assistant").exists()
    notice = OutboundEmail.objects.get(to=["pi@example.org"], template="registration_attempted")
    assert people.alliance.name_zh in notice.body_text
    assert "/accounts/password/reset/" in notice.body_text and "嘗試" in notice.subject
    event = AuditEvent.objects.get(action="account.registration_attempted")
    assert event.actor is None and event.alliance == people.alliance


def test_alliances_are_found_by_name_institution_or_pi(client, people):
    by_pi = client.get("/register/", {"q": "陳主持人"}).content.decode()
    assert people.other_alliance.name_zh in by_pi and people.alliance.name_zh not in by_pi
    by_name = client.get("/register/", {"q": "精密"}).content.decode()
    assert people.alliance.name_zh in by_name and people.other_alliance.name_zh not in by_name
    by_institution = client.get("/register/", {"q": "臺北科技"}).content.decode()
    assert people.other_alliance.name_zh in by_institution
    assert "主持人：林主持人" in client.get("/register/").content.decode()


def test_a_choice_outside_the_search_still_registers(client, people):
    """The search narrows what is listed; a posted alliance is checked against all."""
    response = client.post("/register/?q=陳主持人", form(people))
    assert response.status_code == 302
    assert AllianceRole.objects.get(user__email="newbie@example.org").alliance == people.alliance


def test_registrations_are_limited_per_address_alike_for_known_and_unknown(client, people):
    """Nobody floods an owner with notices (or the PIs with requests): three a hour per
    address, and the fourth answer is the same for a known address and a new one."""
    for email in ("pi@example.org", "someone-new@example.org"):
        answers = [
            client.post("/register/", form(people, email=email)).status_code for _ in range(4)
        ]
        assert answers == [302, 302, 302, 429], email
    notices = OutboundEmail.objects.filter(
        template="registration_attempted", to=["pi@example.org"]
    ).count()
    assert notices == 3  # the fourth attempt sent nothing
    page = client.post("/register/", form(people, email="pi@example.org")).content.decode()
    assert "稍後" in page or "一小時" in page


# Issue 26, point 8: the alliance is found by part of its code, name or institution.


def test_the_list_names_each_alliance_by_code_name_and_institution(client, people):
    people.alliance.code = "MECH001"
    people.alliance.save()
    page = client.get("/register/").content.decode()
    assert "MECH001 · 智慧精密加工產學小聯盟 · 國立成功大學 · 主持人：林主持人" in page
    # The script that filters the list is a file (no inline script under the CSP), and
    # the select it enhances and its words are in the page.
    assert '<script src="/static/js/alliance-search.js" defer></script>' in page
    assert "<script>" not in page and "data-alliance-search" in page
    assert 'id="alliance-search-text"' in page and "data-alliance-search-fallback" in page


@pytest.mark.parametrize("query", ["mech0", "MECH001", "成功大學", "精密加工"])
def test_without_javascript_a_search_with_one_match_chooses_it(client, people, query):
    people.alliance.code = "MECH001"
    people.alliance.save()
    response = client.get("/register/", {"q": query})
    assert response.context["matches"] == 1
    html = response.content.decode()
    chosen = re.search(r'<option value="(\d+)" selected>', html)
    assert chosen and chosen.group(1) == str(people.alliance.pk), html
    # The chosen alliance posts its id as before.
    response = client.post(f"/register/?q={query}", form(people))
    assert response.status_code == 302
    assert AllianceRole.objects.get(user__email="newbie@example.org").alliance == people.alliance


def test_a_search_with_several_matches_chooses_none(client, people):
    response = client.get("/register/", {"q": "產學小聯盟"})
    assert response.context["matches"] == 2
    assert " selected>" not in response.content.decode().split('name="alliance"')[1].split(
        "</select>"
    )[0].replace('value="" selected>', "")


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_empty_choice_is_said_in_the_page_language(client, people, language):
    from django.utils import translation
    from django.utils.translation import gettext

    client.cookies["django_language"] = language
    html = client.get("/register/").content.decode()
    with translation.override(language):
        empty = gettext("Choose your alliance")
    assert f'<option value="" selected>{empty}</option>' in html
    assert "Select an option" not in html and "---------" not in html
