"""The one way the portal writes a spreadsheet file (docs/security.md, "formula injection").

Whatever a user typed stays text in every file we hand out:

- .xlsx: every cell goes through `cell()` / `append_row()`. A string is written with data
  type "s" (an inline string), so `=HYPERLINK(...)` or `=1+1` in a firm's name is shown, never
  evaluated; numbers (negative amounts too) stay numbers. Characters that XML cannot hold
  (control characters) are dropped instead of failing the export.
- .csv: `csv_bytes()` writes UTF-8 with a BOM (Excel opens it), quotes every text field and,
  as the OWASP CSV-injection guidance says, prefixes with ' any text that starts with
  = + - @, a tab or a carriage return. Numbers are written unquoted and unprefixed.

Every export (members, ledger, registry, review lists, summary, duties, awards, and any
added later) builds its rows here; a test reads each file back and finds no formula.
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

TEXT = "@"  # the number format of a text column
TITLE_FONT = Font(bold=True, size=13)
BOLD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="center")

# What a spreadsheet program reads as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit for the text of one cell.
EXCEL_CELL_CHARS = 32_767


def _plain(value):
    """Lazy translations become their text; everything else is kept."""
    if isinstance(value, Promise):
        return str(value)
    return value


def _clean_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:EXCEL_CELL_CHARS]


def new_workbook() -> Workbook:
    """A streaming (write-only) workbook: memory stays flat however many rows."""
    return Workbook(write_only=True)


def cell(ws, value, *, number_format="", font=None, fill=None, alignment=None):
    """A cell for a write-only sheet. Text stays text (a name starting with "=" is no
    formula); a number format applies to numbers only."""
    value = _plain(value)
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, str):
        value = _clean_text(value)
    result = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        result.data_type = "s"
    if number_format and number_format != TEXT and isinstance(value, int | float):
        result.number_format = number_format
    if font is not None:
        result.font = font
    if fill is not None:
        result.fill = fill
    if alignment is not None:
        result.alignment = alignment
    return result


# The name the report and award exports have used since they were written.
write_only_cell = cell


def append_row(ws, values: Iterable, *, number_formats: Iterable | None = None, **style) -> None:
    """One row of safe cells; `number_formats` (one per value) apply to numbers only."""
    values = list(values)
    formats = list(number_formats) if number_formats is not None else [""] * len(values)
    ws.append(
        [
            cell(ws, value, number_format=fmt, **style)
            for value, fmt in zip(values, formats, strict=True)
        ]
    )


def save(book: Workbook, out=None) -> bytes | None:
    """Write the workbook to `out` (a binary file) or return its bytes."""
    if out is not None:
        book.save(out)
        return None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_bytes(*, title: str, headers: list, rows: Iterable[Iterable], freeze="A2") -> bytes:
    """A one-sheet workbook: a bold header row, then the rows."""
    book = new_workbook()
    ws = book.create_sheet(title[:31])
    if freeze:
        ws.freeze_panes = freeze
    append_row(ws, headers, font=BOLD_FONT)
    for row in rows:
        append_row(ws, row)
    return save(book)


# --- CSV --------------------------------------------------------------------------------------


def csv_value(value):
    """A value as it goes into a CSV file: numbers as they are; text that a spreadsheet
    would run as a formula gets a leading ' (OWASP)."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(headers: list, rows: Iterable[Iterable]) -> bytes:
    """UTF-8 with a BOM; every text field quoted, numbers bare."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([csv_value(h) for h in headers])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
