"""The summary workbook and the printable report as background exports: the workbook's
layout read back with openpyxl, `manage.py export_summary`, the export's life (queued,
progress, ready, downloaded by its owner alone, expired and removed), failures and bad
input. The demo data's tables, cell for cell, are checked in test_demo.py."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from core.http import XLSX
from core.models import AuditEvent
from core.storage import private_storage
from reports import services, summary
from reports.models import Export, ExportKind
from tests.report_helpers import alliance_with_figures, finished_export, zeros

SHEETS = ["會員", "收入", "會費級距", "自給自足率", "趨勢", "聯盟年度", "說明"]


def _two_years():
    """105 and 106: two mechatronics alliances and one in ICT; one without members."""
    for year, scale in ((105, 1), (106, 2)):
        alliance_with_figures(
            "MECHA",
            field="mech",
            year=year,
            **zeros(**{"M-COMPANY": 10 * scale, "R-FEE": 120_000 * scale, "R-TRANSFER": 1_500}),
        )
        alliance_with_figures(
            "MECHB",
            field="mech",
            year=year,
            subsidy=1_000_000,
            **zeros(**{"M-COMPANY": 5, "R-FEE": 20_000, "R-SERVICE": 2_000_499}),
        )
        alliance_with_figures(
            "ICT01", field="ict", year=year, **zeros(**{"M-COMPANY": 0, "R-FEE": 30_000})
        )


def next_target_header(year: int) -> str:
    """The workbook's column of next year's target, in its language (zh-Hant):
    「次年度建議目標（107）」 once the catalogue has it."""
    with translation.override(summary.LANGUAGE):
        return gettext("Suggested target next year (%(year)s)") % {"year": year}


def _rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _body(ws):
    """The table under the title and header rows, up to the blank row before the notes."""
    rows = _rows(ws)[2:]
    end = next((i for i, r in enumerate(rows) if not any(v is not None for v in r)), len(rows))
    return rows[:end]


def test_the_workbook_is_laid_out_like_the_published_tables(db):
    _two_years()
    out = io.BytesIO()
    result = summary.write_summary(out, year=106, first=105)
    assert result.alliance_years == 6
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == SHEETS

    members = book["會員"]
    assert members["A1"].value == "106年度各領域廠商會員數"
    assert [c.value for c in members[2]] == [
        "領域",
        "聯盟",
        "廠商會員數",
        "每聯盟平均",
        "占比",
        # Named as the web report's column (tests/test_portal_emails_and_small_points.py).
        next_target_header(107),
    ]
    assert members.freeze_panes == "B3"
    assert members.column_dimensions["A"].width >= 12
    body = {r[0]: r for r in _body(members)}
    assert body["機電材料"][1:5] == [2, 25, 13, 1]  # 20 + 5 members; 25 ÷ 2 = 12.5 → 13
    assert body["資通"][1:5] == [1, 0, 0, 0]
    assert body["總計"][1:5] == [3, 25, 8, 1]
    total_row = next(row for row in members.iter_rows(min_row=3) if row[0].value == "總計")
    assert total_row[0].font.bold
    share = next(row for row in members.iter_rows(min_row=3) if row[0].value == "機電材料")[4]
    assert share.number_format == "0%" and share.value == 1  # 100%, shown as a percentage

    revenue = book["收入"]
    body = {r[0]: r for r in _body(revenue)}
    # 240,000 + 20,000 + 2,000,499 fees and services → 2,260 仟元 (half up); 1,500 → 2.
    assert body["機電材料"][1:5] == [2_260, 2, 0, 2_262]
    cell = next(row for row in revenue.iter_rows(min_row=3) if row[0].value == "機電材料")[1]
    assert cell.number_format == "#,##0" and cell.data_type == "n"

    bands = book["會費級距"]
    assert bands["A1"].value.endswith("105–106（仟元）")
    body = {r[0]: r for r in _body(bands)}
    # 105: 12 and 4 仟元; 106: 12 and 4 again → bands 11-15 and 0-5, twice each.
    assert body["機電材料"][1] == 2 and body["機電材料"][3] == 2 and body["機電材料"][-1] == 4
    assert body["總計"][-1] == 4 and body["占比"][1] == 0.5 and body["占比"][-1] == 1
    assert any("不列入（2）" in (r[0] or "") for r in _rows(bands))  # ICT01, both years

    trend = book["趨勢"]
    assert [c.value for c in trend[2]] == ["領域", "105", "106"]

    raw = book["聯盟年度"]
    assert raw.freeze_panes == "E3"
    header = [c.value for c in raw[2]]
    assert "廠商會員數（M-COMPANY）" in header and "會費級距" in header
    rows = _body(raw)
    assert len(rows) == 6
    mecha_106 = next(r for r in rows if r[0] == 106 and r[2] == "MECHA")
    assert mecha_106[header.index("廠商會員數（M-COMPANY）")] == 20
    assert mecha_106[header.index("會員費收入（R-FEE）")] == 240_000
    assert mecha_106[header.index("會費級距")] == "11-15"
    ict = next(r for r in rows if r[2] == "ICT01")
    assert ict[header.index("會費級距")] is None or ict[header.index("會費級距")] == ""


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_the_next_years_target_is_named_as_on_the_web_page(
    client, office_user, monkeypatch, language
):
    """The web report's 「次年度建議目標」 is the workbook's 「次年度建議目標（107）」, not
    「107年目標」. (zh-Hant needs the catalogue merged; English holds already.)"""
    _two_years()
    client.force_login(office_user)
    client.cookies["django_language"] = language
    page = client.get("/reports/106/").content.decode()
    monkeypatch.setattr(summary, "LANGUAGE", language)
    out = io.BytesIO()
    summary.write_summary(out, year=106, first=106)
    members = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    header = [c.value for c in members[2]][-1]
    with translation.override(language):
        web = gettext("Suggested target next year")
        assert header == gettext("Suggested target next year (%(year)s)") % {"year": 107}
    assert f">{web}</th>" in page and "107" in header
    if header != "Suggested target next year (107)":  # translated: the same words
        assert header.startswith(web), (header, web)


def test_the_span_must_exist_and_run_forwards(db):
    _two_years()
    with pytest.raises(summary.SpanError, match="104"):
        summary.write_summary(io.BytesIO(), year=106, first=104)
    with pytest.raises(summary.SpanError, match="起始年度不可晚於結束年度"):
        summary.write_summary(io.BytesIO(), year=105, first=106)
    # The default span (102–106) starts at the first year there is.
    assert summary.write_summary(io.BytesIO(), year=106).first == 105


def test_the_command_writes_the_workbook_or_says_what_is_wrong(db, tmp_path):
    _two_years()
    out = tmp_path / "summary.xlsx"
    call_command("export_summary", year=106, out=str(out), first=105, verbosity=0)
    assert load_workbook(out).sheetnames == SHEETS
    with pytest.raises(CommandError, match="103"):
        call_command("export_summary", "--year", "106", "--out", str(tmp_path / "b.xlsx"),
                     "--from-year", "103", verbosity=0)  # fmt: skip
    with pytest.raises(CommandError, match=r"\.xlsx"):
        call_command("export_summary", year=106, out=str(tmp_path / "b.csv"), verbosity=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.xlsx"]  # nothing half-written


def _start(client, kind="summary_xlsx", year="106", first="105", **extra):
    return client.post(
        reverse("report_export_start"),
        {"kind": kind, "year": year, "first": first, "next": "/reports/106/", **extra},
    )


def test_the_office_exports_in_the_background_and_downloads_its_file(
    client, office_user, worker, settings
):
    _two_years()
    client.force_login(office_user)
    page = client.get(reverse("report_fields", args=[106]))
    assert b'name="kind" value="summary_xlsx"' in page.content
    response = _start(client)
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_export", args=[export.pk])
    queued = client.get(response["Location"])
    assert export.status == "queued"
    assert b'http-equiv="refresh"' in queued.content and b"<progress" in queued.content
    assert AuditEvent.objects.filter(action="report.exported").count() == 1

    worker()
    export.refresh_from_db()
    assert export.status == "finished" and export.done == export.total == 3
    assert export.expires_at - export.finished_at == dt.timedelta(
        hours=settings.EXPORT_RETENTION_HOURS
    )
    ready = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert "http-equiv" not in ready
    assert reverse("report_export_download", args=[export.pk]) in ready
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert ".xlsx" in download["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == SHEETS
    listing = client.get(reverse("report_exports")).content.decode()
    assert "下載" in listing


def test_an_export_is_its_owners_alone(client, people):
    export = finished_export(people.office, b"PK workbook")
    for user in (people.viewer, people.pi):
        client.force_login(user)
        assert client.get(reverse("report_export", args=[export.pk])).status_code == 404
        assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404
        listing = client.get(reverse("report_exports")).content.decode()
        assert reverse("report_export", args=[export.pk]) not in listing


def test_a_pi_may_print_the_report_but_not_export_the_named_workbook(client, people):
    client.force_login(people.pi)
    page = client.get(reverse("report_fields", args=[106])).content.decode()
    assert 'value="report_pdf"' in page and 'value="summary_xlsx"' not in page
    response = _start(client, first="106")
    assert response.status_code == 302 and response["Location"] == "/reports/106/"
    assert not Export.objects.exists()
    messages = client.get(response["Location"]).content.decode()
    assert "您不可進行此匯出" in messages
    assert _start(client, kind="report_pdf", first="106").status_code == 302
    assert Export.objects.get().kind == ExportKind.REPORT_PDF


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "abc"}, "請以數字填寫年度"),
        ({"kind": "everything"}, "請選擇提供的匯出項目之一"),
        ({"first": "90"}, "沒有 90、"),
        ({"first": "107"}, "起始年度不可晚於結束年度"),
    ],
)
def test_bad_export_requests_say_what_to_fix_and_queue_nothing(client, office_user, data, message):
    _two_years()
    client.force_login(office_user)
    response = _start(client, **data)
    assert response.status_code == 302 and response["Location"] == "/reports/106/"
    assert not Export.objects.exists()
    assert message in client.get(response["Location"]).content.decode()


def test_a_double_click_queues_one_export_and_three_at_a_time_is_the_limit(client, office_user):
    _two_years()
    client.force_login(office_user)
    _start(client)
    _start(client)
    assert Export.objects.count() == 1
    _start(client, first="106")
    _start(client, kind="report_pdf")
    assert Export.objects.count() == 3
    response = _start(client, kind="report_pdf", first="106")
    assert Export.objects.count() == 3
    assert "您有 3 項匯出正在進行" in client.get(response["Location"]).content.decode()


def test_the_page_of_an_export_is_not_a_get_action(client, office_user):
    client.force_login(office_user)
    assert client.get(reverse("report_export_start")).status_code == 405


def test_a_failed_export_says_so_and_leaves_no_file(
    client, office_user, worker, monkeypatch, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    _two_years()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(summary, "write_summary", broken)
    client.force_login(office_user)
    _start(client)
    worker()
    export = Export.objects.get()
    assert export.status == "failed" and not export.path
    assert "disk full" in export.error
    page = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert "匯出未完成" in page
    assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404
    assert not [p for p in Path(tmp_path).rglob("*") if p.is_file()]


def test_an_expired_export_is_gone_with_its_file(
    client, office_user, django_capture_on_commit_callbacks
):
    export = finished_export(office_user, b"PK workbook", hours=24)
    storage = private_storage()
    assert storage.exists(export.path)
    client.force_login(office_user)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_exports", verbosity=0)
    assert not Export.objects.filter(pk=export.pk).exists()
    assert not storage.exists(export.path)


def test_an_export_still_fresh_is_kept(office_user):
    export = finished_export(office_user, b"PK workbook", hours=24)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        assert services.exports_purge() == 0
    assert Export.objects.filter(pk=export.pk).exists()


def test_the_exports_page_reads_a_fixed_number_of_queries(
    client, office_user, django_assert_max_num_queries
):
    client.force_login(office_user)
    finished_export(office_user, b"PK one")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("report_exports"))
    for _ in range(10):
        finished_export(office_user, b"PK more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("report_exports")).status_code == 200


def test_the_registry_workbook_is_made_in_the_background_too(client, people, worker):
    from workbook_import.engine import sheets_for

    client.force_login(people.viewer)
    page = client.get(reverse("office_export")).content.decode()
    assert 'value="registry_xlsx"' in page
    response = client.post(
        reverse("report_export_start"), {"kind": "registry_xlsx", "next": "/office/export/"}
    )
    export = Export.objects.get()
    assert response["Location"] == reverse("report_export", args=[export.pk])
    assert export.roc_year is None and export.span == ""
    worker()
    export.refresh_from_db()
    assert export.status == "finished" and export.filename.endswith(".xlsx")
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == [s.name for s in sheets_for("office")]
    codes = [row[0] for row in book["聯盟"].iter_rows(min_row=2, values_only=True)]
    assert people.alliance.code in codes
    # A PI may not: the registry holds every alliance's members.
    client.force_login(people.pi)
    assert client.get(reverse("office_export")).status_code == 404
    client.post(reverse("report_export_start"), {"kind": "registry_xlsx"})
    assert Export.objects.count() == 1


def test_the_download_panel_is_on_the_page_not_in_its_title(client, office_user):
    _two_years()
    client.force_login(office_user)
    for url in ("/reports/106/", "/reports/106/self-sufficiency/", "/reports/fee-bands/?to=106"):
        page = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
        assert "<" not in title and "csrf" not in title, url
        assert page.count('name="kind" value="summary_xlsx"') == 1, url


def test_a_former_office_member_no_longer_gets_the_workbook(client, office_user):
    export = finished_export(office_user, b"PK workbook")
    client.force_login(office_user)
    assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 200
    office_user.programme_role = ""
    office_user.save()
    assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404


def test_an_export_whose_worker_died_says_so_and_stops_counting(client, office_user):
    _two_years()
    client.force_login(office_user)
    _start(client)
    export = Export.objects.get()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, created_at=timezone.now() - dt.timedelta(hours=2)
    )
    page = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert "已停止" in page and "http-equiv" not in page and "匯出未完成" in page
    _start(client)  # the same export again: a new one, the dead one is not "in progress"
    assert Export.objects.count() == 2


def test_a_file_goes_with_its_export_however_the_row_goes(
    office_user, django_capture_on_commit_callbacks
):
    export = finished_export(office_user, b"PK workbook")
    storage = private_storage()
    with django_capture_on_commit_callbacks(execute=True):
        office_user.delete()
    assert not storage.exists(export.path)


def test_text_in_the_workbook_stays_text(db):
    alliance_with_figures("EQ01", **zeros(**{"M-COMPANY": 1, "R-FEE": 1_000}))
    from alliances.models import Alliance

    Alliance.objects.filter(code="EQ01").update(name_zh='=HYPERLINK("http://x","y")')
    out = io.BytesIO()
    summary.write_summary(out, year=106, first=106)
    raw = load_workbook(io.BytesIO(out.getvalue()))["聯盟年度"]
    cell = raw.cell(row=3, column=4)
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"
