"""The registry's workbook import: preview, all-or-nothing, messages by sheet/row/column."""

import pytest

from members.models import Firm, Membership
from members.ubn import complete_ubn
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes
from workbook_import.engine import run_workbook


@pytest.fixture
def ay(people):
    """MECH001's alliance-year 106; its one member (from the fixture) is cleared so that
    counts start at zero."""
    from kpi.models import RevenueEntry

    RevenueEntry.objects.all().delete()
    Membership.objects.all().delete()
    Firm.objects.all().delete()
    return people.alliance_years[106]


def ubns(n):
    return [complete_ubn(f"{5300000 + i:07d}") for i in range(n)]


def test_members_import_previews_then_saves(people, ay):
    rows = [member_row("MECH001", 106, u, f"公司{i}") for i, u in enumerate(ubns(3))]
    rows.append(
        member_row("MECH001", 106, "", "", kind="個人會員", 個人姓名="陳先生", 國別="", 廠商類型="")
    )
    data = workbook_bytes({"成員": [MEMBER_HEADERS, *rows]})
    preview = run_workbook(data, user=people.pi, scope="office", dry_run=True)
    assert preview.ok, preview.errors
    assert preview.totals() == {"new": 4, "changed": 0, "unchanged": 0, "errors": 0}
    assert Membership.objects.count() == 0 and Firm.objects.count() == 0
    applied = run_workbook(data, user=people.pi, scope="office", dry_run=False)
    assert applied.ok
    assert Membership.objects.count() == 4
    assert Membership.objects.filter(counted_kind="company").count() == 3
    again = run_workbook(data, user=people.pi, scope="office", dry_run=True)
    assert again.totals() == {"new": 0, "changed": 0, "unchanged": 4, "errors": 0}


def test_one_bad_row_among_500_saves_nothing_and_is_named(people, ay):
    rows = [member_row("MECH001", 106, u, f"公司{i}") for i, u in enumerate(ubns(500))]
    rows[10] = member_row("MECH001", 106, "12345678", "壞公司")
    data = workbook_bytes({"成員": [MEMBER_HEADERS, *rows]})
    report = run_workbook(data, user=people.pi, scope="office", dry_run=False)
    assert not report.ok
    assert report.errors == ["「成員」工作表第12列「統一編號」: 12345678 檢查碼錯誤。"]
    assert Membership.objects.count() == 0 and Firm.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "column", "message"),
    [
        ({"年費": -5}, "年費", "負數"),
        ({"年費": "abc"}, "年費", "不是數字"),
        ({"年費": 20_000_000_000}, "年費", "超過"),
        ({"入會日期": "107.13.01"}, "入會日期", "不是日期"),
        ({"會員類別": "VIP"}, "會員類別", "不是下列之一"),
        ({"聯盟代碼": "NOPE01"}, "聯盟代碼", "NOPE01"),
        ({"年度": 99}, "聯盟代碼", "99"),
    ],
)
def test_bad_cells_are_named_and_nothing_is_saved(people, ay, change, column, message):
    good = member_row("MECH001", 106, ubns(1)[0], "好公司")
    bad_values = dict(
        zip(MEMBER_HEADERS, member_row("MECH001", 106, ubns(2)[1], "某公司"), strict=True)
    )
    bad_values.update(change)
    data = workbook_bytes({"成員": [MEMBER_HEADERS, good, [bad_values[h] for h in MEMBER_HEADERS]]})
    report = run_workbook(data, user=people.pi, scope="office", dry_run=False)
    assert len(report.errors) == 1, report.errors
    assert report.errors[0].startswith(f"「成員」工作表第3列「{column}」")
    assert message in report.errors[0]
    assert Membership.objects.count() == 0


def test_a_firm_twice_in_one_year_is_refused(people, ay):
    u = ubns(1)[0]
    data = workbook_bytes(
        {
            "成員": [
                MEMBER_HEADERS,
                member_row("MECH001", 106, u, "甲"),
                member_row("MECH001", 106, u, "甲"),
            ]
        }
    )
    report = run_workbook(data, user=people.pi, scope="office", dry_run=False)
    assert any("第3列" in e and "第2列" in e for e in report.errors), report.errors
    assert Membership.objects.count() == 0


def test_an_alliance_import_is_limited_to_its_own_rows(people, ay):
    data = workbook_bytes({"成員": [MEMBER_HEADERS, member_row("CIVIL001", 106, ubns(1)[0], "甲")]})
    report = run_workbook(data, user=people.pi, scope="alliance", alliance=people.alliance)
    assert "不是貴聯盟的代碼" in report.errors[0] or "MECH001" in report.errors[0]
    office_only = workbook_bytes({"廠商": [["統一編號", "廠商名稱", "國別", "廠商類型"]]})
    report = run_workbook(office_only, user=people.pi, scope="alliance", alliance=people.alliance)
    assert not report.ok and "「廠商」" in report.errors[0]


def test_m3_firms_entered_as_company_do_not_count(people, ay):
    rows = [
        member_row("MECH001", 106, "", "Foreign Co", 國別="JP", 廠商類型="外國公司（無在臺登記）"),
        member_row("MECH001", 106, ubns(1)[0], "工業技術研究院", 廠商類型="研究型法人"),
        member_row("MECH001", 106, ubns(2)[1], "台灣公司"),
    ]
    report = run_workbook(
        workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}),
        user=people.pi,
        scope="office",
        dry_run=False,
    )
    assert report.ok, report.errors
    kinds = dict(Membership.objects.values_list("firm__name", "counted_kind"))
    assert kinds == {"Foreign Co": "other", "工業技術研究院": "other", "台灣公司": "company"}
    assert set(Membership.objects.values_list("rule", flat=True)) == {"M2", "M3"}


ALLIANCE_HEADERS = ["聯盟代碼", "中文名稱", "英文名稱", "領域", "執行機構", "團隊型態"]


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["NEW001", "新聯盟", "", "太空", "某大學", "個別型"], "領域", "沒有名為「太空」的領域"),
        (["", "新聯盟", "", "電子", "某大學", "個別型"], "聯盟代碼", "必填"),
        (["NEW001", "新聯盟", "", "電子", "某大學", "獨立型"], "團隊型態", "不是下列之一"),
    ],
)
def test_alliance_sheet_errors(people, row, column, message):
    from alliances.models import Alliance

    data = workbook_bytes({"聯盟": [ALLIANCE_HEADERS, row]})
    report = run_workbook(data, user=people.office, scope="office", dry_run=False)
    assert len(report.errors) == 1 and f"第2列「{column}」" in report.errors[0], report.errors
    assert message in report.errors[0]
    assert not Alliance.objects.filter(name_zh="新聯盟").exists()


def test_a_renamed_sheet_or_missing_column_is_named(people, ay):
    renamed = workbook_bytes({"會員名單": [MEMBER_HEADERS]})
    report = run_workbook(renamed, user=people.pi, scope="alliance", alliance=people.alliance)
    assert "「會員名單」" in report.errors[0] and "「成員」" in report.errors[0]
    missing = workbook_bytes({"成員": [MEMBER_HEADERS[:3], ["MECH001", 106, "廠商會員"]]})
    report = run_workbook(missing, user=people.pi, scope="alliance", alliance=people.alliance)
    assert "第1列" in report.errors[0] and "「統一編號」" in report.errors[0]


def test_office_import_page_refuses_files_that_are_not_workbooks(client, people):
    import io

    client.force_login(people.office)
    text = io.BytesIO(b"name,ubn\nx,12345678\n")
    text.name = "members.xlsx"
    response = client.post("/office/import/", {"workbook": text})
    assert "不是 Excel 活頁簿" in response.content.decode()
    from core.models import ImportBatch

    assert not ImportBatch.objects.exists()


def test_a_preview_is_confirmed_only_by_its_owner(client, people, ay):
    from core.models import ImportBatch

    data = workbook_bytes({"成員": [MEMBER_HEADERS, member_row("MECH001", 106, ubns(1)[0], "甲")]})
    import io

    upload = io.BytesIO(data)
    upload.name = "m.xlsx"
    client.force_login(people.pi)
    client.post(f"/alliances/{people.alliance.pk}/members/import/", {"workbook": upload})
    batch = ImportBatch.objects.get()
    client.force_login(people.copi)  # same alliance, another person
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/import/", {"batch": batch.pk, "apply": "1"}
    )
    assert response.status_code == 404
    assert Membership.objects.count() == 0
    client.force_login(people.pi)
    client.post(f"/alliances/{people.alliance.pk}/members/import/", {"batch": batch.pk})
    assert Membership.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == "applied" and bytes(batch.content) == b""
