import io
import zipfile

from openpyxl import Workbook

MEMBER_HEADERS = [
    "聯盟代碼",
    "年度",
    "會員類別",
    "統一編號",
    "廠商名稱",
    "國別",
    "廠商類型",
    "個人姓名",
    "入會日期",
    "年費",
    "聯絡人",
    "聯絡電子郵件",
    "聯絡電話",
    "備註",
]


def workbook_bytes(sheets: dict) -> bytes:
    """{sheet name: [header row, data rows...]} → .xlsx bytes."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def member_row(code, year, ubn, name, *, kind="廠商會員", fee=50000, joined="106.03.01", **extra):
    row = {
        "聯盟代碼": code,
        "年度": year,
        "會員類別": kind,
        "統一編號": ubn,
        "廠商名稱": name,
        "國別": "TW",
        "廠商類型": "公司行號",
        "個人姓名": "",
        "入會日期": joined,
        "年費": fee,
        "聯絡人": "王經理",
        "聯絡電子郵件": "contact@example.com",
        "聯絡電話": "02-1234-5678",
        "備註": "",
    }
    row.update(extra)
    return [row[h] for h in MEMBER_HEADERS]


def bomb(inflated_mb: int = 200) -> bytes:
    """A members workbook whose shared strings inflate to one string of `inflated_mb` MB:
    about 200 kB on disk, as the outside probe sent."""
    base = workbook_bytes({"成員": [MEMBER_HEADERS, member_row("MECH001", 106, "", "x")]})
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                target.writestr(item, source.read(item.filename))
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/')
            part.write(b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            chunk = b"A" * (1024 * 1024)
            for _ in range(inflated_mb):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()
