import io

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
