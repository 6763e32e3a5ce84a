"""The ledger sheets in the registry's workbook machinery."""

import io

from openpyxl import load_workbook

from kpi.models import RevenueEntry
from tests.workbook_helpers import workbook_bytes
from workbook_import.engine import export_workbook, run_workbook

HEADERS = [
    "編號",
    "聯盟代碼",
    "年度",
    "收入類別",
    "日期",
    "金額",
    "統一編號",
    "付款單位",
    "付款單位類別",
    "可自由運用",
    "說明",
]


def row(**values):
    base = {
        "編號": "",
        "聯盟代碼": "MECH001",
        "年度": 106,
        "收入類別": "技術移轉",
        "日期": "106.09.01",
        "金額": 250000,
        "統一編號": "22099131",
        "付款單位": "",
        "付款單位類別": "",
        "可自由運用": "是",
        "說明": "授權",
    }
    base.update(values)
    return [base[h] for h in HEADERS]


def test_revenue_rows_are_added_with_verdicts_and_reimport_unchanged(people):
    data = workbook_bytes({"收入": [HEADERS, row(), row(日期="107.03.01", 說明="晚簽")]})
    report = run_workbook(
        data, user=people.pi, scope="alliance", alliance=people.alliance, dry_run=False
    )
    assert report.ok, report.errors
    verdicts = sorted(
        RevenueEntry.objects.filter(kind="technology_transfer").values_list("counted", "rule")
    )
    assert verdicts == [(False, "R6"), (True, "R6")]

    exported = export_workbook(scope="alliance", alliance=people.alliance)
    again = run_workbook(exported, user=people.pi, scope="alliance", alliance=people.alliance)
    assert again.ok and again.totals()["new"] == 0 and again.totals()["changed"] == 0

    book = load_workbook(io.BytesIO(exported))
    rows = [list(r) for r in book["收入"].iter_rows(values_only=True)]
    header = rows[0]
    target = next(r for r in rows[1:] if r[header.index("說明")] == "晚簽")
    target[header.index("日期")] = "106.12.01"  # re-dated into the year: now it counts
    sheets = {"收入": rows}
    report = run_workbook(
        workbook_bytes(sheets),
        user=people.pi,
        scope="alliance",
        alliance=people.alliance,
        dry_run=False,
    )
    assert report.totals()["changed"] == 1
    assert RevenueEntry.objects.get(description="晚簽").counted


def test_bad_ledger_rows_are_named_and_nothing_is_saved(people):
    count = RevenueEntry.objects.count()
    data = workbook_bytes(
        {
            "收入": [
                HEADERS,
                row(),
                row(收入類別="技術服務", 日期="105.12.01"),
                row(收入類別="會費收入", 統一編號="04595257"),
                row(編號=999999),
            ]
        }
    )
    report = run_workbook(
        data, user=people.pi, scope="alliance", alliance=people.alliance, dry_run=False
    )
    errors = "\n".join(report.errors)
    assert "第3列「日期」" in errors and "不在計畫年度" in errors
    assert "第4列「統一編號」" in errors
    assert "第5列「編號」" in errors
    assert RevenueEntry.objects.count() == count


def test_another_alliances_record_cannot_be_changed_by_number(people):
    data = workbook_bytes({"收入": [HEADERS, row(編號=people.entry.pk, 聯盟代碼="CIVIL001")]})
    report = run_workbook(
        data, user=people.other_pi, scope="alliance", alliance=people.other_alliance, dry_run=False
    )
    assert not report.ok
    assert RevenueEntry.objects.get(pk=people.entry.pk).amount == 120_000


def test_the_pi_exports_the_years_ledger(client, people):
    client.force_login(people.pi)
    response = client.get(f"/alliances/{people.alliance.pk}/ledger/106/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["收入", "成果", "活動"]
    rows = list(book["收入"].iter_rows(values_only=True))
    assert rows[0][:4] == ("編號", "聯盟代碼", "年度", "收入類別")
    assert rows[1][0] == people.entry.pk and rows[1][5] == 120000


def test_import_cannot_change_a_covered_period(people):
    import datetime as dt

    from kpi.ledger import services

    services.coverage_record(
        alliance_year=people.alliance_years[106],
        through=dt.date(2017, 10, 31),
        label="第一次KPI填報",
        by=people.office,
    )
    data = workbook_bytes(
        {"收入": [HEADERS, row(編號=people.entry.pk, 金額=1), row(日期="106.05.01")]}
    )
    report = run_workbook(
        data, user=people.pi, scope="alliance", alliance=people.alliance, dry_run=False
    )
    assert len(report.errors) == 2 and all("核定" in e for e in report.errors), report.errors
    assert RevenueEntry.objects.get(pk=people.entry.pk).amount == 120_000


def test_a_payer_without_a_firm_needs_its_kind(people):
    data = workbook_bytes(
        {"收入": [HEADERS, row(收入類別="技術服務", 統一編號="", 付款單位="某單位")]}
    )
    report = run_workbook(data, user=people.pi, scope="alliance", alliance=people.alliance)
    assert "「付款單位類別」" in report.errors[0]
