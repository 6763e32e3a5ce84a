"""Registry pages: members, profile approval, public directory, exports and re-imports."""

import io
import re

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from PIL import Image

from alliances.models import RevisionStatus
from core.models import AuditEvent
from members.models import Firm, Membership
from workbook_import.engine import run_workbook


def add_url(people, year=106):
    return f"/alliances/{people.alliance.pk}/members/{year}/new/"


def member_form(**overrides):
    data = {
        "entered_kind": "company",
        "ubn": "04595257",
        "firm_name": "新會員股份有限公司",
        "country": "TW",
        "entity_type": "company",
        "person_name": "",
        "joined_on": "106.03.01",
        "annual_fee": "50000",
        "contact_name": "李經理",
        "contact_email": "lee@example.com",
        "contact_phone": "",
        "note": "",
    }
    data.update(overrides)
    return data


def test_an_assistant_with_the_ledger_adds_a_member_with_its_verdict(client, people):
    client.force_login(people.assistant)
    response = client.post(add_url(people), member_form())
    assert response.status_code == 302
    m = Membership.objects.get(firm__ubn="04595257")
    assert (m.counted_kind, m.rule, m.annual_fee) == ("company", "M2", 50_000)
    assert m.joined_on.isoformat() == "2017-03-01"
    page = client.get(f"/alliances/{people.alliance.pk}/members/106/").content.decode()
    assert "新會員股份有限公司" in page and "計入廠商會員（M2、M4）" in page
    assert AuditEvent.objects.filter(action="membership.created").count() == 1
    assert AuditEvent.objects.filter(action="firm.created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ubn": "12345678"}, "ubn", "檢查碼錯誤"),
        ({"ubn": "22099131"}, "ubn", "已是本聯盟會員"),  # the fixture's member, same year
        ({"annual_fee": "-1"}, "annual_fee", ""),
        ({"annual_fee": "abc"}, "annual_fee", ""),
        ({"annual_fee": "20000000000"}, "annual_fee", ""),
        ({"joined_on": "106.02.30"}, "joined_on", "民國"),
        ({"entered_kind": "individual", "person_name": ""}, "person_name", "姓名"),
        ({"ubn": "", "entity_type": "company"}, "ubn", "統一編號"),
        ({"ubn": "", "entity_type": "foreign_unregistered", "country": "TW"}, "country", "TW"),
    ],
)
def test_bad_member_input_is_explained_and_saves_nothing(client, people, overrides, field, message):
    client.force_login(people.pi)
    before = (Membership.objects.count(), Firm.objects.count(), AuditEvent.objects.count())
    response = client.post(add_url(people), member_form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors or "__all__" in errors, errors
    text = " ".join(str(e) for e in errors.values())
    assert message in text, errors
    assert (Membership.objects.count(), Firm.objects.count(), AuditEvent.objects.count()) == before


def test_another_alliances_pi_cannot_see_or_change_these_members(client, people):
    client.force_login(people.other_pi)
    base = f"/alliances/{people.alliance.pk}/members/106/"
    assert client.get(base).status_code == 404
    assert client.post(base + "new/", member_form()).status_code == 404
    assert client.post(f"{base}{people.membership.pk}/delete/").status_code == 404
    # Their own alliance's URL with this alliance's membership id: still 404.
    own = f"/alliances/{people.other_alliance.pk}/members/106/{people.membership.pk}/"
    assert client.post(own, member_form()).status_code == 404
    assert Membership.objects.filter(pk=people.membership.pk).exists()
    assert not Membership.objects.filter(firm__ubn="04595257").exists()


def test_copy_last_years_members_in_one_action(client, people):
    client.force_login(people.pi)
    # 106 has one member; copy it back is impossible (no earlier year than 105), so copy 106→
    # a new 107 year opened by the office.
    from alliances.models import AllianceYear, ProgrammeYear

    y107 = ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))
    AllianceYear.objects.create(
        alliance=people.alliance,
        programme_year=y107,
        phase=1,
        phase_year=3,
        subsidy=0,
        collaboration_weight=100,
    )
    url = f"/alliances/{people.alliance.pk}/members/107/copy/"
    assert "1 位會員" in client.get(url).content.decode()
    client.post(url)
    copied = Membership.objects.get(alliance_year__programme_year=y107)
    assert copied.firm == people.firm and copied.counted_kind == "company"
    client.post(url)  # again: nothing new, no duplicate
    assert Membership.objects.filter(alliance_year__programme_year=y107).count() == 1


def test_export_reads_back_and_reimports_unchanged_then_one_change(client, people):
    client.force_login(people.pi)
    response = client.get(f"/alliances/{people.alliance.pk}/members/106/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["成員"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["統一編號"] == "22099131" and row["年費"] == 30000 and row["會員類別"] == "廠商會員"

    report = run_workbook(
        response.content, user=people.pi, scope="alliance", alliance=people.alliance
    )
    assert report.totals() == {"new": 0, "changed": 0, "unchanged": 1, "errors": 0}
    sheet_rows = list(sheet.iter_rows(values_only=True))
    from tests.workbook_helpers import workbook_bytes

    edited = [list(r) for r in sheet_rows]
    edited[1][header.index("年費")] = 35000
    report = run_workbook(
        workbook_bytes({"成員": edited}), user=people.pi, scope="alliance", alliance=people.alliance
    )
    assert report.totals() == {"new": 0, "changed": 1, "unchanged": 0, "errors": 0}


def test_import_workbook_command_exits_non_zero_on_any_error(db, tmp_path, people):
    from django.core.management.base import CommandError

    from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        workbook_bytes({"成員": [MEMBER_HEADERS, member_row("MECH001", 106, "12345678", "壞")]})
    )
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_workbook", str(bad))
    good = tmp_path / "good.xlsx"
    good.write_bytes(
        workbook_bytes({"成員": [MEMBER_HEADERS, member_row("MECH001", 106, "04595257", "好")]})
    )
    call_command("import_workbook", str(good), "--dry-run")
    assert not Membership.objects.filter(firm__ubn="04595257").exists()
    call_command("import_workbook", str(good))
    assert Membership.objects.filter(firm__ubn="04595257").exists()
    template = tmp_path / "template.xlsx"
    call_command("export_template", "--out", str(template))
    assert load_workbook(template).sheetnames == [
        "聯盟",
        "聯盟年度",
        "廠商",
        "成員",
        "收入",
        "成果",
        "活動",
        "歷年核定數據",
    ]


def png(size=(40, 20), fmt="PNG"):
    out = io.BytesIO()
    Image.new("RGB", size, (10, 80, 140)).save(out, fmt)
    out.seek(0)
    out.name = "banner.png"
    return out


def profile_form(people, **overrides):
    a = people.alliance
    data = {
        "name_zh": a.name_zh,
        "name_en": "Precision Alliance",
        "field": a.field_id,
        "institution": a.institution,
        "team_type": a.team_type,
        "technical_manager": "周經理",
        "core_technologies": "五軸加工",
        "keywords": "加工, 精密",
        "services": ["consulting"],
        "contact_name": "聯盟辦公室",
        "contact_email": "office@alliance.edu.tw",
        "contact_phone": "06-2757575",
        "website": "https://alliance.example.edu.tw/",
        "description": "新的公開簡介內容",
    }
    data.update(overrides)
    return data


def test_profile_changes_are_public_only_after_the_office_approves(client, people):
    client.force_login(people.pi)
    response = client.post(
        f"/alliances/{people.alliance.pk}/profile/",
        profile_form(people, banner_upload=png()),
    )
    assert response.status_code == 302
    public = client.get(f"/directory/{people.alliance.code}/").content.decode()
    assert "新的公開簡介內容" not in public and "的公開簡介" in public  # the old one stays

    revision = people.alliance.revisions.get(status=RevisionStatus.PENDING)
    client.force_login(people.office)
    review = client.get(f"/office/profiles/{revision.pk}/").content.decode()
    assert "新的公開簡介內容" in review
    returned = client.post(
        f"/office/profiles/{revision.pk}/", {"return": "1", "reason": ""}, follow=True
    )
    assert "退回原因" in returned.content.decode()
    client.post(f"/office/profiles/{revision.pk}/", {"approve": "1"})
    public = client.get(f"/directory/{people.alliance.code}/").content.decode()
    assert "新的公開簡介內容" in public and "五軸加工" in public
    banner = client.get(f"/directory/{people.alliance.code}/banner/")
    assert banner.status_code == 200
    assert Image.open(io.BytesIO(b"".join(banner.streaming_content))).format == "PNG"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: io.BytesIO(b"not an image at all"), "不是 PNG、JPEG 或 WebP"),
        (lambda: png(fmt="GIF"), "不是 PNG、JPEG 或 WebP"),
        (lambda: io.BytesIO(b"\x89PNG" + b"\0" * (2 * 1024 * 1024 + 10)), "超過 2 MB"),
    ],
)
def test_a_bad_banner_is_refused(client, people, upload, message):
    client.force_login(people.copi)
    file = upload()
    file.name = "banner.png"  # a lying extension
    response = client.post(
        f"/alliances/{people.alliance.pk}/profile/", profile_form(people, banner_upload=file)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert people.alliance.revisions.count() == 1  # only the fixture's


def test_directory_search_and_fields(client, people):
    assert people.alliance.name_zh in client.get("/directory/?q=精密").content.decode()
    html = client.get(f"/directory/?field={people.other_alliance.field_id}").content.decode()
    assert people.other_alliance.name_zh in html and people.alliance.name_zh not in html
    assert "科技部書面同意" in html
    nothing = client.get("/directory/?q=不存在的技術").content.decode()
    assert "沒有符合的聯盟" in nothing
    assert re.search("/directory/MECH001/", client.get("/directory/").content.decode())


def test_a_banner_is_re_encoded_under_a_name_of_ours_and_served_as_an_image(client, people):
    from alliances.models import ProfileRevision

    client.force_login(people.pi)
    evil = png()
    evil.name = "evil.html"
    client.post(
        f"/alliances/{people.alliance.pk}/profile/", profile_form(people, banner_upload=evil)
    )
    revision = ProfileRevision.objects.get(status="pending", banner__startswith="banners/")
    assert revision.banner.name.endswith(".png") and "evil" not in revision.banner.name
    client.force_login(people.office)
    proposed = client.get(f"/office/profiles/{revision.pk}/banner/")
    assert proposed["Content-Type"] == "image/png"
    client.post(f"/office/profiles/{revision.pk}/", {"approve": "1"})
    client.logout()
    served = client.get(f"/directory/{people.alliance.code}/banner/")
    assert served["Content-Type"] == "image/png"
    assert "sandbox" in served["Content-Security-Policy"]


@pytest.mark.parametrize("value", ["２２０９９１３１", " 22099131 "])
def test_full_width_and_padded_ubns_are_the_same_firm(client, people, value):
    client.force_login(people.pi)
    response = client.post(add_url(people, 105), member_form(ubn=value, firm_name="別名"))
    assert response.status_code == 302
    assert (
        Membership.objects.filter(alliance_year__programme_year__roc_year=105).get().firm
        == people.firm
    )
    assert Firm.objects.count() == 1


def test_office_cannot_save_a_wrong_ubn_on_a_firm(client, people):
    client.force_login(people.office)
    response = client.post(
        f"/office/firms/{people.firm.pk}/",
        {"name": "x", "ubn": "12345678", "country": "TW", "entity_type": "company"},
    )
    assert response.status_code == 200 and "檢查碼錯誤" in response.content.decode()
    people.firm.refresh_from_db()
    assert people.firm.ubn == "22099131"


def test_bad_query_values_never_crash(client, people):
    for url in ["/directory/?field=²", "/directory/?field=99999999999999", "/directory/?page=²"]:
        assert client.get(url).status_code == 200
    client.force_login(people.office)
    assert client.get("/office/alliances/?field=²").status_code == 200
    assert client.get("/office/audit/?alliance=²").status_code == 200
    assert client.post("/office/import/", {"batch": "²"}).status_code == 200  # asks for a file
    assert client.post("/office/import/99999999/", {"apply": "1"}).status_code == 404
    members_import = f"/alliances/{people.alliance.pk}/members/import/"
    assert client.post(members_import, {"batch": "²"}).status_code == 404


def test_an_alliance_year_opened_twice_is_a_message_not_a_crash(client, people):
    from alliances.models import ProgrammeYear

    client.force_login(people.office)
    year = ProgrammeYear.objects.get(roc_year=106)
    response = client.post(
        f"/office/alliances/{people.alliance.pk}/years/new/",
        {"programme_year": year.pk, "phase": 1, "phase_year": 1, "subsidy": 1000},
    )
    assert response.status_code == 200 and "已有該計畫年度" in response.content.decode()
    over = client.post(
        f"/office/alliances/{people.alliance.pk}/years/106/",
        {"programme_year": year.pk, "phase": 1, "phase_year": 1, "subsidy": 3_000_001},
    )
    assert "超過本年度上限" in over.content.decode()


def test_imports_audit_every_saved_row(people):
    from core.models import AuditEvent
    from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

    data = workbook_bytes(
        {
            "成員": [
                MEMBER_HEADERS,
                member_row("MECH001", 106, "22099131", "精密", fee=45000),
                member_row("MECH001", 106, "04595257", "新公司"),
            ]
        }
    )
    report = run_workbook(
        data, user=people.pi, scope="alliance", alliance=people.alliance, dry_run=False
    )
    assert report.ok
    changed = AuditEvent.objects.get(action="import.membership.changed")
    assert changed.before["年費"] == "30000" and changed.after["年費"] == "45000"
    assert changed.actor == people.pi and changed.alliance == people.alliance
    assert AuditEvent.objects.filter(action="import.membership.created").count() == 1


def test_merging_firms_never_leaves_chains(people):
    from members import services

    a = Firm.objects.create(name="甲", ubn="04595257")
    b = Firm.objects.create(name="乙", ubn="10000078")
    c = Firm.objects.create(name="丙", ubn="22099109")
    services.firm_merge(duplicate=a, survivor=b, by=people.office)
    services.firm_merge(duplicate=b, survivor=c, by=people.office)
    a.refresh_from_db()
    assert a.merged_into == c
