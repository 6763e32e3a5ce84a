"""Reading uploaded workbooks safely (docs/security.md, "uploads"). Every import (PI
accounts, an alliance's members and ledger, the office's registry) reads through here.

Before openpyxl parses anything, the package is checked against limits that are settings
(IMPORT_LIMITS, with the defaults below): the size of the upload, the number of parts, the
uncompressed size of each part and of the whole, and the compression ratio. A 200 kB
"zip bomb" whose shared strings would inflate to 200 MB is refused from its directory,
without inflating a byte. A directory that lies about a part's size is caught too: each
part must be stored or deflated, and its deflate stream is inflated here in 64 kB steps and
must end exactly at its declared size (Python's zipfile cuts a part there only after
inflating what one read asks for, up to 1 GiB). XML is parsed
through defusedxml (openpyxl uses it when it is installed): no entity expansion, no
external entity.

While rows are read: at most `rows` rows per sheet, `columns` columns, `cell_chars`
characters per cell. Any failure of openpyxl or of the XML below it, when the book is
opened or halfway through a sheet, becomes a WorkbookError with a message that says what
to fix; a message quotes at most QUOTE_CHARS characters of a value.
"""

import contextlib
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.worksheet._reader import WorkSheetParser

from core import lists, writers

QUOTE_CHARS = 100

DEFAULT_LIMITS = {
    "upload_bytes": 2 * 1024 * 1024,  # the file as uploaded
    "parts": 100,  # files inside the package
    "part_bytes": 16 * 1024 * 1024,  # one part, uncompressed
    "total_bytes": 40 * 1024 * 1024,  # every part, uncompressed
    "ratio": 100,  # uncompressed ÷ compressed, for the whole and for parts over 1 MB
    "rows": 1000,  # rows per sheet below the header (a preview at the cap: bench/imports.py)
    "office_rows": 20000,  # the same for the office's registry import, run in the background
    "columns": 50,  # columns read per row
    "cell_chars": 2000,  # characters in one cell
}
RATIO_FLOOR_BYTES = 1024 * 1024  # small parts (styles, an empty sheet) compress very well

# Kept for callers that name the old constant.
MAX_BYTES = DEFAULT_LIMITS["upload_bytes"]


@dataclass(frozen=True)
class Limits:
    upload_bytes: int
    parts: int
    part_bytes: int
    total_bytes: int
    ratio: int
    rows: int
    office_rows: int
    columns: int
    cell_chars: int


# For a file the operator imports on the command line (manage.py import_workbook): still
# checked, so that a damaged file answers with a message, but sized for the whole programme.
OPERATOR_LIMITS = {
    "upload_bytes": 256 * 1024 * 1024,
    "parts": 1000,
    "part_bytes": 1024 * 1024 * 1024,
    "total_bytes": 2 * 1024 * 1024 * 1024,
    "ratio": 1000,
    "rows": 1_000_000,
    "office_rows": 1_000_000,
    "columns": 200,
    "cell_chars": 32_767,
}


def limits() -> Limits:
    """The limits in force: DEFAULT_LIMITS, each overridable in settings.IMPORT_LIMITS."""
    return Limits(**{**DEFAULT_LIMITS, **getattr(settings, "IMPORT_LIMITS", {})})


def quote(value, limit: int = QUOTE_CHARS) -> str:
    """A value for a message: at most `limit` characters, then an ellipsis."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


class WorkbookError(Exception):
    """The file as a whole cannot be used; the message says why."""


def damaged() -> WorkbookError:
    return WorkbookError(_("The workbook cannot be read: the file is damaged."))


def read_upload(upload, *, max_bytes: int | None = None) -> bytes:
    """The uploaded file's bytes, if it is small enough and looks like an .xlsx package."""
    max_bytes = max_bytes or limits().upload_bytes
    if upload.size > max_bytes:
        raise WorkbookError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": _megabytes(upload.size), "limit": _megabytes(max_bytes)}
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise WorkbookError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)}
        )
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


def check_package(data: bytes, limit: Limits | None = None) -> None:
    """Refuse a package whose directory promises more than the limits allow, before
    anything is inflated."""
    limit = limit or limits()
    if len(data) > limit.upload_bytes:
        raise WorkbookError(
            _("The file is %(size)s MB; at most %(limit)s MB is accepted.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(limit.upload_bytes)}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, EOFError
        raise damaged() from exc
    if len(parts) > limit.parts:
        raise WorkbookError(
            _("The workbook holds %(count)s parts; at most %(limit)s are accepted.")
            % {"count": len(parts), "limit": limit.parts}
        )
    names = {part.filename for part in parts}
    if "[Content_Types].xml" not in names or len(names) != len(parts):
        raise damaged()
    total = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise WorkbookError(
                _(
                    "The workbook is password-protected or in the old .xls format; "
                    "save it as an unprotected .xlsx workbook."
                )
            )
        total += part.file_size
        too_big = part.file_size > limit.part_bytes
        too_packed = part.file_size > RATIO_FLOOR_BYTES and part.file_size > limit.ratio * max(
            part.compress_size, 1
        )
        if too_big or too_packed:
            raise WorkbookError(
                _(
                    "The workbook's part “%(part)s” unpacks to %(size)s MB; at most "
                    "%(limit)s MB per part (and %(ratio)s times its packed size) is accepted."
                )
                % {
                    "part": quote(part.filename, 60),
                    "size": _megabytes(part.file_size),
                    "limit": _megabytes(limit.part_bytes),
                    "ratio": limit.ratio,
                }
            )
    for part in parts:
        _check_stream(data, part)
    if total > limit.total_bytes or total > limit.ratio * max(len(data), 1):
        raise WorkbookError(
            _(
                "The workbook unpacks to %(size)s MB; at most %(limit)s MB (and %(ratio)s "
                "times the file's size) is accepted."
            )
            % {
                "size": _megabytes(total),
                "limit": _megabytes(limit.total_bytes),
                "ratio": limit.ratio,
            }
        )


CHUNK = 64 * 1024


def _check_stream(data: bytes, part: zipfile.ZipInfo) -> None:
    """The part's bytes inflate to exactly its declared size, and no further.

    Python's zipfile cuts a part at its declared size, but only after inflating what one
    read asks for (up to 1 GiB for deflate, unbounded for bzip2 and lzma): a directory that
    lies would let openpyxl's reads inflate far more than the limits above. So every part
    must be stored or deflated, and its deflate stream is inflated here in 64 kB steps,
    counting, and must end exactly at the declared size."""
    if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged()
    header = data[part.header_offset : part.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise damaged()
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    start = part.header_offset + 30 + name_length + extra_length
    raw = data[start : start + part.compress_size]
    if len(raw) != part.compress_size:
        raise damaged()
    if part.compress_type == zipfile.ZIP_STORED:
        if part.compress_size != part.file_size:
            raise damaged()
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    inflated = 0
    pending = raw
    try:
        while pending and not inflater.eof:
            inflated += len(inflater.decompress(pending, CHUNK))
            if inflated > part.file_size:
                raise damaged()
            pending = inflater.unconsumed_tail
        while not inflater.eof and inflated <= part.file_size:
            more = inflater.decompress(b"", CHUNK)
            if not more:
                break
            inflated += len(more)
    except zlib.error as exc:
        raise damaged() from exc
    if not inflater.eof or inflated != part.file_size:
        raise damaged()


class GuardedWorkbook:
    """An uploaded workbook, checked before it is opened and read within the limits."""

    def __init__(self, data: bytes, limit: Limits | None = None, *, rows: int | None = None):
        self.limit = limit or limits()
        self.max_rows = rows or self.limit.rows
        check_package(data, self.limit)
        try:
            self.book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            self.sheetnames = list(self.book.sheetnames)
        except Exception as exc:  # openpyxl and the XML parser raise many kinds
            raise damaged() from exc

    def rows(self, name: str) -> Iterator[tuple[int, tuple]]:
        """(worksheet row number, values) for every row of the sheet, the header
        included; within the limits, or a WorkbookError naming the row."""
        limit = self.limit
        try:
            for number, values in self._present_rows(name):
                if number > self.max_rows + 1 and any(v not in (None, "") for v in values):
                    raise WorkbookError(
                        _(
                            "Sheet “%(sheet)s”, row %(row)s: a sheet may have at most "
                            "%(limit)s rows below its header; split the workbook."
                        )
                        % {"sheet": quote(name, 31), "row": number, "limit": f"{self.max_rows:,}"}
                    )
                for column, value in enumerate(values, start=1):
                    if isinstance(value, str) and len(value) > limit.cell_chars:
                        raise WorkbookError(
                            _(
                                "Sheet “%(sheet)s”, row %(row)s, column %(column)s: the cell "
                                "has %(length)s characters; at most %(limit)s are accepted "
                                "(it begins “%(start)s”)."
                            )
                            % {
                                "sheet": quote(name, 31),
                                "row": number,
                                "column": column,
                                "length": f"{len(value):,}",
                                "limit": f"{limit.cell_chars:,}",
                                "start": quote(value),
                            }
                        )
                if number <= self.max_rows + 1:
                    yield number, values
        except WorkbookError:
            raise
        except Exception as exc:  # broken XML halfway through a sheet, and the like
            raise damaged() from exc

    def _present_rows(self, name: str) -> Iterator[tuple[int, tuple]]:
        """The rows the sheet's XML holds, numbered as in the sheet, each as many values as
        its last column (at most `columns`). openpyxl's own iter_rows makes up an empty row
        for every number skipped — minutes of work for one cell at row 20,000,000 — so its
        parser is driven here without that (openpyxl 3.1's WorkSheetParser, as
        ReadOnlyWorksheet uses it)."""
        sheet = self.book[name]
        book = sheet.parent
        with sheet._get_source() as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=book.data_only,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            for number, cells in parser.parse():
                width = 0
                for cell in cells:
                    if cell["column"] <= self.limit.columns:
                        width = max(width, cell["column"])
                values = [None] * width
                for cell in cells:
                    if cell["column"] <= width:
                        values[cell["column"] - 1] = cell["value"]
                yield number, tuple(values)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a damaged package must not mask the answer
            self.book.close()


def open_workbook(data: bytes, *, rows: int | None = None, limit: Limits | None = None):
    """The upload, checked; `rows` caps each sheet (default: the limits' `rows`); `limit`
    replaces the settings' limits (the operator's command line)."""
    return GuardedWorkbook(data, limit, rows=rows)


def _is_blank(values) -> bool:
    return values is None or all(v in (None, "") for v in values)


def first_row(rows) -> tuple:
    """The values of the sheet's row 1, taken from `rows`; () if row 1 is empty (the sheet
    then has no header, and its columns are reported missing)."""
    first = next(rows, None)
    return first[1] if first is not None and first[0] == 1 else ()


def header_of(values) -> list[str]:
    header = [str(v).strip() if v is not None else "" for v in (values or ())]
    while header and header[-1] == "":
        header.pop()
    return header


@dataclass
class Cell:
    row: int
    column: str
    value: object


def open_sheet(data: bytes, *, sheet_name: str, headers: list[str]):
    """The named sheet (or the only sheet), its header row checked; yields data rows as
    (row number, {header: value})."""
    book = open_workbook(data)
    if sheet_name in book.sheetnames:
        name = sheet_name
    elif len(book.sheetnames) == 1:
        name = book.sheetnames[0]
    else:
        raise WorkbookError(
            _("The workbook has no sheet named “%(sheet)s”.") % {"sheet": quote(sheet_name, 31)}
        )
    rows = book.rows(name)
    header = header_of(first_row(rows))
    missing = [h for h in headers if h not in header]
    if missing:
        raise WorkbookError(
            _("Sheet “%(sheet)s”, row 1: the columns %(missing)s are missing.")
            % {"sheet": sheet_name, "missing": lists.join(lists.quoted(m) for m in missing)}
        )
    index = {h: header.index(h) for h in headers}

    def generate():
        for number, values in rows:
            if _is_blank(values):
                continue
            yield number, {h: (values[i] if i < len(values) else None) for h, i in index.items()}

    return generate()


def template_workbook(*, sheet_name: str, headers: list[str], example: list | None = None) -> bytes:
    book = writers.new_workbook()
    sheet = book.create_sheet(sheet_name)
    for column, header in zip("ABCDEFGHIJ", headers, strict=False):
        sheet.column_dimensions[column].width = max(14, len(header) * 3)
    sheet.freeze_panes = "A2"
    writers.append_row(sheet, headers)
    if example:
        writers.append_row(sheet, example)
    return writers.save(book)
