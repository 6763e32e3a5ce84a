"""Bounded imports (docs/security.md, "uploads"): a zip bomb, too many rows, an endless cell
and a flood of errors each get a clear zh-Hant answer that names the limit; nothing is
saved, and what is echoed or stored stays small. (bench/imports.py times the bomb and a
preview at the row cap, with the server's peak memory.)"""

import io
import zipfile

import pytest
from openpyxl import Workbook

from core.models import ImportBatch
from members.models import Firm, Membership
from members.ubn import complete_ubn
from tests import test_workbook_import
from tests.workbook_helpers import MEMBER_HEADERS, bomb, member_row, workbook_bytes

ay = test_workbook_import.ay  # the fixture: MECH001's 106, no members yet


def upload(data: bytes, name="members.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return file


def saved():
    return Membership.objects.count(), Firm.objects.count(), ImportBatch.objects.count()


def test_a_zip_bomb_is_refused_before_it_is_inflated(client, people, ay):
    data = bomb()
    assert len(data) < 400 * 1024
    client.force_login(people.pi)
    before = saved()
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/import/", {"workbook": upload(data)}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "解壓縮後為 200 MB" in page and "上限為 16 MB" in page
    assert len(response.content) < 100_000  # no echo of the inflated value
    assert saved() == before


def test_the_office_imports_refuse_it_too(client, people, ay):
    client.force_login(people.office)
    for url in ("/office/import/", "/office/pis/import/"):
        response = client.post(url, {"workbook": upload(bomb(40))})
        assert "解壓縮後為 40 MB" in response.content.decode(), url
    assert ImportBatch.objects.count() == 0


def test_a_sheet_over_the_row_cap_is_refused_naming_the_row(client, people, ay, settings):
    settings.IMPORT_LIMITS = {"rows": 20}
    rows = [
        member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}")
        for i in range(21)
    ]
    client.force_login(people.pi)
    before = saved()
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/import/",
        {"workbook": upload(workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}))},
    )
    assert "「成員」工作表第 22 列超過 20 列上限" in response.content.decode()
    assert saved() == before


def test_the_default_row_cap_is_a_thousand_rows():
    from core.workbooks import limits

    assert limits().rows == 1000


def test_empty_rows_past_the_cap_cost_nothing_and_are_not_refused(people, ay, settings):
    from openpyxl import Workbook

    from workbook_import.engine import run_workbook

    settings.IMPORT_LIMITS = {"rows": 5}
    book = Workbook()
    ws = book.active
    ws.title = "成員"
    ws.append(MEMBER_HEADERS)
    ws.append(member_row("MECH001", 106, complete_ubn("5300001"), "公司"))
    ws["A1048576"] = ""  # the sheet's last row, empty: read past quickly
    out = io.BytesIO()
    book.save(out)
    report = run_workbook(out.getvalue(), user=people.pi, scope="office", dry_run=True)
    assert report.ok and report.totals()["new"] == 1


def test_an_endless_cell_is_refused_and_quoted_briefly(client, people, ay, settings):
    settings.IMPORT_LIMITS = {"cell_chars": 500}
    row = member_row("MECH001", 106, complete_ubn("5300001"), "公司", 備註="長" * 5000)
    client.force_login(people.pi)
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/import/",
        {"workbook": upload(workbook_bytes({"成員": [MEMBER_HEADERS, row]}))},
    )
    page = response.content.decode()
    assert "第 2 列第 14 欄的儲存格有 5,000 個字元，超過 500 字元上限" in page
    assert "長" * 100 + "…" in page and "長" * 101 not in page
    assert saved()[2] == 0


def test_a_flood_of_errors_is_stored_bounded_and_each_value_quoted_briefly(people, ay, client):
    rows = [
        member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}", 年費="x" * 300)
        for i in range(250)
    ]
    client.force_login(people.pi)
    client.post(
        f"/alliances/{people.alliance.pk}/members/import/",
        {"workbook": upload(workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}))},
    )
    batch = ImportBatch.objects.get()
    sheet = batch.summary["sheets"][0]
    assert sheet["error_count"] == 250 and len(sheet["errors"]) == 200
    assert batch.summary["totals"]["errors"] == 250
    assert all("x" * 101 not in message for message in sheet["errors"])
    assert "x" * 100 + "…" in sheet["errors"][0]
    assert Membership.objects.count() == 0


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"parts": 3}, "上限為 3 個"),
        ({"ratio": 2}, "檔案大小的 2 倍"),
        ({"upload_bytes": 3 * 1024 * 1024 // 1000}, "上限為 0 MB"),
    ],
)
def test_every_limit_is_a_setting_named_in_the_message(
    client, people, ay, settings, limit, message
):
    settings.IMPORT_LIMITS = limit
    data = workbook_bytes({"成員": [MEMBER_HEADERS, member_row("MECH001", 106, "", "x")]})
    client.force_login(people.pi)
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/import/", {"workbook": upload(data)}
    )
    assert message in response.content.decode()
    assert saved()[2] == 0


def _repacked(data: bytes, change, *, compress=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compress) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, change(item.filename, source.read(item.filename)))
    return out.getvalue()


def _declared_size(data: bytes, name: bytes, size: int) -> bytes:
    """The package with `name`'s size in the central directory set to `size` (a lie)."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        length = int.from_bytes(raw[at + 28 : at + 30], "little")
        if bytes(raw[at + 46 : at + 46 + length]) == name:
            raw[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


@pytest.mark.parametrize("compress", [zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_a_directory_that_lies_about_a_size_is_refused_without_inflating(compress):
    """openpyxl reads small parts whole; a part that claims 2,000 bytes but inflates to
    300 MB would be inflated before zipfile cuts it. Every stream is checked first."""
    from core.workbooks import WorkbookError, check_package

    base = workbook_bytes({"成員": [MEMBER_HEADERS]})
    padded = _repacked(
        base,
        lambda name, body: (
            body + b" " * (300 * 1024 * 1024) if name == "docProps/core.xml" else body
        ),
        compress=compress,
    )
    lying = _declared_size(padded, b"docProps/core.xml", 2000)
    with pytest.raises(WorkbookError, match="損毀"):
        check_package(lying)  # before openpyxl reads a byte of it


def test_one_cell_far_down_the_sheet_is_read_past_not_filled(people, ay):
    """openpyxl would make up an empty row for every number skipped (minutes of work for a
    row numbered 20,000,000); the reader reads only the rows the sheet holds."""
    from core.workbooks import WorkbookError, open_workbook

    book = Workbook()
    ws = book.active
    ws.title = "成員"
    ws.append(MEMBER_HEADERS)
    ws.cell(row=1_048_576, column=1, value="far")
    out = io.BytesIO()
    book.save(out)
    far = _repacked(
        out.getvalue(),
        lambda name, body: (
            body.replace(b"1048576", b"20000000") if name.startswith("xl/worksheets/") else body
        ),
    )
    workbook = open_workbook(far)
    with pytest.raises(WorkbookError, match="第 20000000 列超過 1,000 列上限"):
        list(workbook.rows("成員"))


def test_the_operators_command_line_takes_a_registry_over_the_web_limits(
    people, ay, settings, tmp_path
):
    """`manage.py import_workbook` imports the operator's own file: still checked, but not
    held to the caps of a web upload (set tiny here)."""
    from django.core.management import call_command

    settings.IMPORT_LIMITS = {"rows": 2, "office_rows": 2, "upload_bytes": 1024}
    rows = [
        member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}") for i in range(3)
    ]
    path = tmp_path / "registry.xlsx"
    path.write_bytes(workbook_bytes({"成員": [MEMBER_HEADERS, *rows]}))
    call_command("import_workbook", str(path))
    assert Membership.objects.count() == 3
