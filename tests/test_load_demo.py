import pytest
from django.core.management import CommandError, call_command

from accounts.models import ProgrammeRole, User
from alliance_portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from alliances.models import Alliance, Field, ProgrammeYear

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]


def counts():
    return (User.objects.count(), Alliance.objects.count(), ProgrammeYear.objects.count())


def test_load_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("load_demo")
    first = counts()
    out = capsys.readouterr().out
    assert "office@example.org" in out and DEMO_PASSWORD in out
    call_command("load_demo")
    assert counts() == first
    assert "nothing changed" in capsys.readouterr().out
    assert first[0] == len(DEMO_ACCOUNTS) == 8
    assert sorted(ProgrammeYear.objects.values_list("roc_year", flat=True)) == list(range(102, 108))


def test_demo_accounts_log_in_with_the_documented_password(client):
    call_command("load_demo")
    for email, *_ in DEMO_ACCOUNTS:
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
        client.post("/accounts/logout/")
    assert User.objects.get(email="office@example.org").programme_role == ProgrammeRole.OFFICE
    assert User.objects.get(email="outsider@example.org").programme_role == ""


def test_load_demo_refuses_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("load_demo")
    assert counts() == (0, 0, 0)


def test_the_eight_fields_exist_in_their_fixed_order():
    assert list(Field.objects.values_list("name_zh", flat=True)) == [
        "土木能環",
        "民生化工",
        "生醫",
        "創服教育",
        "經管資服",
        "資通",
        "電子",
        "機電材料",
    ]


def test_demo_accounts_have_their_roles(client):
    from alliances.models import AllianceRole

    call_command("load_demo")
    roles = {r.user.email: (r.role, r.status) for r in AllianceRole.objects.select_related("user")}
    assert roles == {
        "pi@example.org": ("pi", "active"),
        "copi@example.org": ("co_pi", "active"),
        "assistant@example.org": ("assistant", "active"),
        "pending@example.org": ("assistant", "pending"),
    }
    alliance = AllianceRole.objects.get(user__email="pi@example.org").alliance
    for email, status in [
        ("assistant@example.org", 200),
        ("pending@example.org", 404),
        ("outsider@example.org", 404),
        ("viewer@example.org", 200),
    ]:
        client.force_login(User.objects.get(email=email))
        assert client.get(f"/alliances/{alliance.pk}/").status_code == status, email
