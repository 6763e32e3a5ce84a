"""Reading uploaded workbooks safely: size, content, corruption and headers, each with a
message that says what to fix. Used by every import (PI accounts now; the registry's
sheets later). And the house style of the workbooks the portal writes (a title row, a
bold header row; text that stays text), shared by the report and award exports."""

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

MAX_BYTES = 2 * 1024 * 1024

TEXT = "@"  # the number format of a text column
TITLE_FONT = Font(bold=True, size=13)
BOLD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="center")


def write_only_cell(ws, value, *, number_format="", font=None, fill=None, alignment=None):
    """A cell for a write-only sheet. Text stays text (a name starting with "=" is no
    formula); a number format applies to numbers only."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format and number_format != TEXT and isinstance(value, int | float):
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


class WorkbookError(Exception):
    """The file as a whole cannot be used; the message says why."""


@dataclass
class Cell:
    row: int
    column: str
    value: object


def read_upload(upload, *, max_bytes: int = MAX_BYTES) -> bytes:
    if upload.size > max_bytes:
        raise WorkbookError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}", "limit": max_bytes // 1024 // 1024}
        )
    data = upload.read()
    if not data.startswith(b"PK\x03\x04"):
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise WorkbookError(
                _(
                    "The workbook is password-protected or in the old .xls format; "
                    "save it as an unprotected .xlsx workbook."
                )
            )
        raise WorkbookError(_("This file is not an Excel workbook (.xlsx)."))
    return data


def open_sheet(data: bytes, *, sheet_name: str, headers: list[str]):
    """The named sheet (or the only sheet), its header row checked; yields data rows as
    (row number, {header: value})."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise WorkbookError(_("The workbook cannot be read: the file is damaged.")) from exc
    if sheet_name in book.sheetnames:
        sheet = book[sheet_name]
    elif len(book.sheetnames) == 1:
        sheet = book.worksheets[0]
    else:
        raise WorkbookError(
            _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": sheet_name}
        )
    rows = sheet.iter_rows(values_only=True)
    header = [str(v).strip() if v is not None else "" for v in next(rows, ())]
    missing = [h for h in headers if h not in header]
    if missing:
        raise WorkbookError(
            _("Sheet “%(sheet)s”, row 1: the columns %(missing)s are missing.")
            % {"sheet": sheet_name, "missing": "、".join(f"「{m}」" for m in missing)}
        )
    index = {h: header.index(h) for h in headers}

    def generate():
        for number, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            yield number, {h: (values[i] if i < len(values) else None) for h, i in index.items()}

    return generate()


def template_workbook(*, sheet_name: str, headers: list[str], example: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append(headers)
    if example:
        sheet.append(example)
    for column, header in zip("ABCDEFGHIJ", headers, strict=False):
        sheet.column_dimensions[column].width = max(14, len(header) * 3)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
