"""Office-issued PI accounts: invitation links that work once; handover; workbook import."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import User
from alliances.models import Alliance, AllianceRole, Field, RoleStatus, TeamRole, TeamType
from core.models import AuditEvent, OutboundEmail


@pytest.fixture
def bare_alliance(db):
    return Alliance.objects.create(
        name_zh="醫材檢測驗證產學小聯盟",
        field=Field.objects.get(code="biomed"),
        institution="國立陽明交通大學",
        team_type=TeamType.REGIONAL_CENTRE,
    )


def invitation_path(email):
    body = OutboundEmail.objects.get(to=[email], template="invitation").body_text
    return re.search(r"https?://[^/\s]+(/invitation/\S+/)", body).group(1)


def test_office_creates_a_pi_who_sets_a_password_once(client, people, bare_alliance):
    client.force_login(people.office)
    response = client.post(
        "/office/pis/new/",
        {"alliance": bare_alliance.pk, "email": "NewPI@Example.org", "name": "新主持人"},
    )
    assert response.status_code == 302
    role = AllianceRole.objects.get(alliance=bare_alliance)
    assert (role.user.email, role.role, role.status) == ("newpi@example.org", "pi", "active")
    assert not role.user.has_usable_password()
    client.logout()

    path = invitation_path("newpi@example.org")
    page = client.get(path)
    assert page.status_code == 200 and "newpi@example.org" in page.content.decode()
    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and "密碼" in weak.content.decode()
    assert not User.objects.get(pk=role.user.pk).has_usable_password()

    done = client.post(path, {"new_password1": "Vq7!pLm3#xZ2", "new_password2": "Vq7!pLm3#xZ2"})
    assert done.status_code == 302 and done["Location"] == "/dashboard/"
    assert client.get(f"/alliances/{bare_alliance.pk}/").status_code == 200
    client.logout()

    reused = client.get(path)
    assert reused.status_code == 410 and "已使用過" in reused.content.decode()
    assert client.post(path, {"new_password1": "x", "new_password2": "x"}).status_code == 410
    login = client.post(
        "/accounts/login/", {"login": "newpi@example.org", "password": "Vq7!pLm3#xZ2"}
    )
    assert login.status_code == 302 and "_auth_user_id" in client.session


def test_an_expired_or_forged_invitation_is_refused(client, people, bare_alliance):
    from alliances.services import pi_assign

    pi_assign(alliance=bare_alliance, by=people.office, email="late@example.org", name="遲到")
    path = invitation_path("late@example.org")
    assert client.get(path[:-3] + "xx/").status_code == 404
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        expired = client.get(path)
    assert expired.status_code == 410 and "過期" in expired.content.decode()


def test_office_forms_refuse_bad_input_and_change_nothing(client, people, bare_alliance):
    client.force_login(people.office)
    before = (AllianceRole.objects.count(), AuditEvent.objects.count(), User.objects.count())
    # An alliance that already has a PI must be handed over, not assigned.
    taken = client.post(
        "/office/pis/new/", {"alliance": people.alliance.pk, "email": "x@example.org", "name": "X"}
    )
    assert "請改用移交" in taken.content.decode()
    forged = client.post(
        "/office/pis/new/", {"alliance": 99999, "email": "x@example.org", "name": "X"}
    )
    assert "請從清單中選擇聯盟" in forged.content.decode()
    nameless = client.post(
        "/office/pis/new/", {"alliance": bare_alliance.pk, "email": "who@example.org"}
    )
    assert "姓名" in nameless.content.decode()
    assert (
        AllianceRole.objects.count(),
        AuditEvent.objects.count(),
        User.objects.count(),
    ) == before
    assert client.get("/office/alliances/99999/handover/").status_code == 404


def test_handover_through_the_office_page(client, people):
    client.force_login(people.office)
    response = client.post(
        f"/office/alliances/{people.alliance.pk}/handover/",
        {"email": "other-pi@example.org", "reason": "原主持人退休"},
    )
    assert response.status_code == 302
    assert (
        AllianceRole.objects.get(alliance=people.alliance, role=TeamRole.PI, status="active").user
        == people.other_pi
    )
    assert AllianceRole.objects.get(pk=people.pi_role.pk).status == RoleStatus.ENDED
    html = client.get(f"/office/audit/?alliance={people.alliance.pk}").content.decode()
    assert "聯盟移交新任計畫主持人" in html and "原主持人退休" in html


# --- workbook import ---------------------------------------------------------------------


def workbook(rows, *, sheet="計畫主持人", headers=("姓名", "電子郵件", "聯盟")):
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "pis.xlsx"
    return out


def many_alliances(n):
    field = Field.objects.get(code="elec")
    Alliance.objects.bulk_create(
        Alliance(
            name_zh=f"電子聯盟{i:03d}", field=field, institution="某大學", team_type="single_lab"
        )
        for i in range(n)
    )


def test_import_previews_then_creates_all(client, people):
    many_alliances(3)
    client.force_login(people.office)
    rows = [(f"主持人{i}", f"pi{i}@example.org", f"電子聯盟{i:03d}") for i in range(3)]
    rows.append(("林主持人", "pi@example.org", people.alliance.name_zh))  # already its PI
    preview = client.post("/office/pis/import/", {"workbook": workbook(rows)})
    html = preview.content.decode()
    assert "新增 3 筆，未變更 1 筆" in html
    assert AllianceRole.objects.filter(role="pi").count() == 2  # nothing saved yet
    payload = preview.context["payload"]
    done = client.post("/office/pis/import/", {"payload": payload, "confirm": "1"})
    assert done.status_code == 302
    assert AllianceRole.objects.filter(role="pi", status="active").count() == 5
    assert OutboundEmail.objects.filter(template="invitation").count() == 3


def test_one_bad_row_among_many_saves_nothing_and_names_the_row(client, people):
    many_alliances(60)
    client.force_login(people.office)
    rows = [(f"主持人{i}", f"pi{i}@example.org", f"電子聯盟{i:03d}") for i in range(60)]
    rows[41] = ("主持人41", "not-an-email", "電子聯盟041")
    response = client.post("/office/pis/import/", {"workbook": workbook(rows)})
    html = response.content.decode()
    assert "「計畫主持人」工作表第43列「電子郵件」：「not-an-email」不是有效的電子郵件地址" in html
    assert response.context["payload"] == ""
    assert AllianceRole.objects.filter(role="pi").count() == 2


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: io.BytesIO(b"name,email\nx,y\n"), "不是 Excel 活頁簿"),
        (lambda: io.BytesIO(b"PK\x03\x04broken zip"), "檔案已損毀"),
        (lambda: io.BytesIO(b"\xd0\xcf\x11\xe0" + b"\0" * 100), "密碼保護"),
        (
            lambda: workbook([("a", "a@example.org", "x")], sheet="成員", headers=("a", "b", "c")),
            "缺少欄位",
        ),
        (lambda: workbook([], sheet="計畫主持人"), "沒有資料"),
        (lambda: io.BytesIO(b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024 + 1)), "上限為 2 MB"),
    ],
)
def test_bad_workbooks_are_explained(client, people, upload, message):
    client.force_login(people.office)
    file = upload()
    file.name = "pis.xlsx"
    response = client.post("/office/pis/import/", {"workbook": file})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert AllianceRole.objects.filter(role="pi").count() == 2


def test_a_tampered_preview_is_refused(client, people):
    client.force_login(people.office)
    response = client.post(
        "/office/pis/import/", {"payload": "forged:payload", "confirm": "1"}, follow=True
    )
    assert "遭竄改" in response.content.decode()
    assert AllianceRole.objects.filter(role="pi").count() == 2


def test_blank_template_downloads_as_a_workbook(client, people):
    from openpyxl import load_workbook

    client.force_login(people.office)
    response = client.get("/office/pis/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["計畫主持人"]
    assert [c.value for c in book["計畫主持人"][1]] == ["姓名", "電子郵件", "聯盟"]
