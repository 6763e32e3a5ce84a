"""Workbook imports: one machinery for every sheet of the portal (django-import-export).

Apps register their sheets (`register_sheet`) in order of dependency: alliances before
alliance-years, firms before memberships; later issues add theirs. `run_workbook` reads
an uploaded .xlsx, imports every sheet it knows inside ONE transaction, and rolls it all
back for a preview (dry run) or when any row is wrong: all or nothing. Every problem is
reported by sheet, row and column in the user's language.
"""

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets
from tablib import Dataset

from core import batching, lists, roc, writers
from core.sheets import SHEETS, Sheet, register_sheet, sheets_for  # noqa: F401  (the registry)
from core.workbooks import (
    GuardedWorkbook,
    Limits,
    first_row,
    header_of,
    limits,
    open_workbook,
    quote,
)

MAX_AMOUNT = 10_000_000_000
# An ImportBatch keeps at most this many messages per sheet (and their count); one message
# is at most MESSAGE_CHARS long (a value in it is already cut to workbooks.QUOTE_CHARS).
STORED_MESSAGES = 200
MESSAGE_CHARS = 400


# --- widgets with messages people can act on ----------------------------------------------


class RocDateWidget(widgets.Widget):
    """Dates typed as ROC (107.02.01) or ISO (2018-02-01), or real date cells."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return roc.parse_date(str(value))
        except roc.InvalidDate:
            raise ValueError(
                _("“%(value)s” is not a date: write it as 107.02.01 or 2018-02-01.")
                % {"value": quote(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return roc.format_roc_date(value) if value else ""


class AmountWidget(widgets.Widget):
    """Whole NT$, not negative, not absurd."""

    def __init__(self, *, maximum=MAX_AMOUNT, default=0, **kwargs):
        super().__init__(**kwargs)
        self.maximum = maximum
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.default
        text = str(value).replace(",", "").replace("NT$", "").strip()
        try:
            number = float(text)
        except ValueError:
            raise ValueError(_("“%(value)s” is not a number.") % {"value": quote(value)}) from None
        if number != int(number):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": quote(value)})
        number = int(number)
        if number < 0:
            raise ValueError(_("“%(value)s” is negative.") % {"value": quote(value)})
        if number > self.maximum:
            raise ValueError(
                _("%(value)s is more than %(max)s.")
                % {"value": quote(value), "max": f"{self.maximum:,}"}
            )
        return number

    def render(self, value, obj=None, **kwargs):
        return value


REQUIRED = gettext_lazy("This cell is required.")


class TextWidget(widgets.Widget):
    """Text, trimmed; numbers typed into a text column (a 統一編號 read as 22099131.0)
    come back as the digits people see."""

    def __init__(self, *, required_message=None, zero_pad=0, **kwargs):
        super().__init__(**kwargs)
        self.required_message = required_message
        self.zero_pad = zero_pad

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = "" if value is None else str(value).strip()
        if self.zero_pad and text.isascii() and text.isdecimal():
            text = text.zfill(self.zero_pad)
        if not text and self.required_message:
            raise ValueError(str(self.required_message))
        return text

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ChoiceLabelWidget(widgets.Widget):
    """A choice written with its Chinese label (or its code)."""

    def __init__(self, choices, labels_zh: dict, **kwargs):
        super().__init__(**kwargs)
        self.values = {value for value, _label in choices}
        self.labels_zh = labels_zh
        self.by_label = {label: value for value, label in labels_zh.items()}

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if text in self.by_label:
            return self.by_label[text]
        if text in self.values:
            return text
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": quote(text), "choices": lists.join(self.labels_zh.values())}
        )

    def render(self, value, obj=None, **kwargs):
        return self.labels_zh.get(value, value)


# --- the registry ----------------------------------------------------------------------------


# --- reporting -------------------------------------------------------------------------------


@dataclass
class SheetReport:
    name: str
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class WorkbookReport:
    sheets: list[SheetReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def errors(self) -> list[str]:
        return self.problems + [e for s in self.sheets for e in s.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> dict:
        return {
            "new": sum(s.new for s in self.sheets),
            "changed": sum(s.changed for s in self.sheets),
            "unchanged": sum(s.unchanged for s in self.sheets),
            "errors": len(self.errors),
        }

    def as_dict(self) -> dict:
        """What an ImportBatch keeps: bounded, however many rows were wrong."""
        return {
            "sheets": [
                {**vars(s), "errors": s.errors[:STORED_MESSAGES], "error_count": len(s.errors)}
                for s in self.sheets
            ],
            "problems": self.problems[:STORED_MESSAGES],
            "totals": self.totals(),
        }


def _where(sheet: str, row: int, column: str | None) -> str:
    if column:
        return _("Sheet “%(sheet)s” row %(row)s “%(column)s”") % {
            "sheet": sheet,
            "row": row,
            "column": column,
        }
    return _("Sheet “%(sheet)s” row %(row)s") % {"sheet": sheet, "row": row}


def _column_of(resource, key: str) -> str | None:
    if key == NON_FIELD_ERRORS:
        return None
    for name, fld in resource.fields.items():
        if key in (name, fld.attribute):
            return fld.column_name
    return None


def _describe(sheet: str, resource, result) -> list[str]:
    messages = []
    for error in result.base_errors:
        messages.append(f"{lists.quoted(sheet)}: {error.error}")
    for invalid in result.invalid_rows:
        row_number = invalid.number + 1  # data row 1 is worksheet row 2
        for key, texts in invalid.error_dict.items():
            column = _column_of(resource, key)
            for text in texts:
                messages.append(f"{_where(sheet, row_number, column)}: {text}")
    for number, errors in result.row_errors():
        for error in errors:
            messages.append(f"{_where(sheet, number + 1, None)}: {error.error}")
    return [quote(m, MESSAGE_CHARS) for m in messages]


# --- reading and running ---------------------------------------------------------------------


def _dataset(book: GuardedWorkbook, name: str, resource) -> tuple[Dataset, list[str]]:
    rows = book.rows(name)
    header = header_of(first_row(rows))
    expected = [f.column_name for f in resource.get_import_fields()]
    missing = [h for h in expected if h not in header]
    data = Dataset(headers=header)
    for _number, values in rows:
        values = list(values[: len(header)]) + [None] * (len(header) - len(values))
        if all(v in (None, "") for v in values):
            continue
        data.append(values)
    return data, missing


def row_cap(scope: str) -> int:
    """Rows per sheet: an alliance's own import answers at once (`rows`); the office's
    registry is checked and saved in the background (`office_rows`)."""
    limit = limits()
    return limit.office_rows if scope == "office" else limit.rows


def count_rows(data: bytes, *, scope: str) -> int:
    """The rows below the headers of the sheets this scope imports: the whole workbook read
    once within the limits (a WorkbookError says what is wrong), nothing imported."""
    book = open_workbook(data, rows=row_cap(scope))
    known = {s.name for s in sheets_for(scope)}
    total = 0
    with contextlib.closing(book):
        for name in book.sheetnames:
            if name in known:
                rows = book.rows(name)
                first_row(rows)
                total += sum(1 for _n, values in rows if any(v not in (None, "") for v in values))
    return total


def run_workbook(
    data: bytes,
    *,
    user,
    scope: str,
    alliance=None,
    dry_run: bool = True,
    progress: Callable[[int], None] | None = None,
    limit: Limits | None = None,
) -> WorkbookReport:
    """Import every known sheet of the workbook in one transaction; with dry_run (the
    preview) or any error, nothing is saved. `progress(rows done)` is called as rows are
    read (every PROGRESS_EVERY rows and at the end of each sheet)."""
    rows = row_cap(scope) if limit is None else limit.office_rows
    book = open_workbook(data, rows=rows, limit=limit)
    done = 0
    known = {s.name: s for s in sheets_for(scope)}
    report = WorkbookReport()
    unknown = [name for name in book.sheetnames if name not in known]
    for name in unknown:
        report.problems.append(
            _(
                "The workbook has a sheet “%(sheet)s” that cannot be imported here; "
                "the sheets are: %(names)s."
            )
            % {"sheet": quote(name, 31), "names": lists.join(lists.quoted(n) for n in known)}
        )
    present = [s for s in known.values() if s.name in book.sheetnames]
    if not present and not unknown:
        report.problems.append(
            _("The workbook has none of the sheets %(names)s.")
            % {"names": lists.join(lists.quoted(n) for n in known)}
        )
    with transaction.atomic(), contextlib.closing(book):
        with batching.deferred():  # verdicts recomputed once per alliance-year
            for sheet in present:
                resource = sheet.resource_class(user=user, alliance=alliance)
                if progress is not None:
                    resource.on_row = _counter(progress, start=done)
                dataset, missing = _dataset(book, sheet.name, resource)
                sheet_report = SheetReport(sheet.name)
                report.sheets.append(sheet_report)
                if missing:
                    sheet_report.errors.append(
                        _("Sheet “%(sheet)s”, row 1: the columns %(missing)s are missing.")
                        % {
                            "sheet": sheet.name,
                            "missing": lists.join(lists.quoted(m) for m in missing),
                        }
                    )
                    continue
                if not len(dataset):
                    continue
                result = resource.import_data(
                    dataset, dry_run=False, use_transactions=True, raise_errors=False
                )
                sheet_report.new = result.totals["new"]
                sheet_report.changed = result.totals["update"]
                sheet_report.unchanged = result.totals["skip"]
                sheet_report.errors.extend(_describe(sheet.name, resource, result))
                done += len(dataset)
                if progress is not None:
                    progress(done)
        if dry_run or not report.ok:
            transaction.set_rollback(True)
    return report


PROGRESS_EVERY = 100


def _counter(progress: Callable[[int], None], *, start: int) -> Callable[[], None]:
    rows = [start]

    def row_done() -> None:
        rows[0] += 1
        if rows[0] % PROGRESS_EVERY == 0:
            progress(rows[0])

    return row_done


def export_workbook(
    *,
    scope: str,
    alliance=None,
    querysets: dict | None = None,
    blank=False,
    only=None,
    out=None,
    progress=None,
) -> bytes | None:
    """A workbook with one sheet per registered sheet of the scope (or the sheets named in
    `only`), laid out for import; `blank` gives the headers only (the template). Written to
    `out` (a binary file) if given, else returned; `progress(done, total)` after each sheet."""
    book = writers.new_workbook()
    sheets = [s for s in sheets_for(scope) if only is None or s.name in only]
    for done, sheet in enumerate(sheets, start=1):
        resource = sheet.resource_class(user=None, alliance=alliance)
        ws = book.create_sheet(sheet.name)
        writers.append_row(ws, [f.column_name for f in resource.get_export_fields()])
        if not blank:
            queryset = (querysets or {}).get(sheet.name, resource.export_queryset())
            dataset = resource.export(queryset=queryset)
            for row in dataset:
                writers.append_row(ws, row)
        if progress is not None:
            progress(done, len(sheets))
    return writers.save(book, out)


def validation_error_for(column_attribute: str, message) -> ValidationError:
    return ValidationError({column_attribute: [message]})
