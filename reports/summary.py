"""The year's summary, as the programme hands it to the department (domain.md §7): the
published tables of year N — members and revenue by field — the fee bands and the
self-sufficiency trend over a span M..N, self-sufficiency by field, and the raw
alliance-years behind them.

`collect()` reads the official figures one programme year at a time, so that memory stays
flat however long the span; `write_summary()` streams them into an .xlsx workbook with
openpyxl in write-only mode. The workbook is the programme's document: its headers are
always in zh-Hant, amounts in 仟元 with thousands separators, shares as percentages, every
number a number. Each sheet is an exporter (a title, columns and rows) and one renderer
writes them all, as pretix's exporters do.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from core import lists
from core.money import FEE_BAND_LABELS, average_fee_thousands, fee_band, half_up_int
from core.roc import format_roc_datetime
from core.writers import (
    BOLD_FONT,
    HEAD_FILL,
    TEXT,
    TITLE_FONT,
    WRAP,
    append_row,
    new_workbook,
    write_only_cell,
)
from kpi.ledger import catalog
from reports import figures, selectors

LANGUAGE = "zh-hant"
DEFAULT_SPAN = 5

# Number formats: counts and 仟元 with thousands separators, NT$ likewise, shares as %.
COUNT = "#,##0"
THOUSANDS = "#,##0"
PERCENT = "0%"


# The sheets' names (the workbook is always zh-Hant).
SHEET_MEMBERS = gettext_lazy("Members")
SHEET_REVENUE = gettext_lazy("Revenue")
SHEET_BANDS = gettext_lazy("Fee bands")
SHEET_SELF = gettext_lazy("Self-sufficiency")
SHEET_TREND = gettext_lazy("Trend")
SHEET_RAW = gettext_lazy("Alliance-years")
SHEET_ABOUT = gettext_lazy("About")


class SpanError(ValueError):
    """The years asked for do not make a span (the message says what to fix)."""


def default_first(year: int) -> int:
    return year - DEFAULT_SPAN + 1


def check_span(year: int, first: int | None, known: Iterable[int]) -> int:
    """The first year of the span M..N, or SpanError saying what is wrong with it."""
    first = default_first(year) if first is None else first
    known = set(known)
    if first > year:
        raise SpanError(_("The span runs backwards: the first year must not be after the last."))
    if year - first + 1 > selectors.MAX_SPAN:
        raise SpanError(_("A span covers at most %(n)s years.") % {"n": selectors.MAX_SPAN})
    if year not in known:
        raise SpanError(_("There is no programme year %(years)s.") % {"years": year})
    # A default span starts at the first year there is; a chosen one must exist whole.
    if first < min(known) and first == default_first(year):
        first = min(known)
    missing = [y for y in range(first, year + 1) if y not in known]
    if missing:
        raise SpanError(
            _("There is no programme year %(years)s.") % {"years": lists.join(map(str, missing))}
        )
    return first


@dataclass
class Summary:
    """Everything the summary shows, computed from the official figures."""

    year: int
    first: int
    fields: list  # selectors.FieldRow, per field then the total
    bands: selectors.FeeBands
    trend: dict
    ratios: list  # selectors.FieldRatio, per field then the total
    alliance_years: int = 0  # in the span

    @property
    def empty(self) -> bool:
        return not self.alliance_years


def collect(
    year: int,
    first: int,
    *,
    each_year: Callable | None = None,
    progress: Callable | None = None,
) -> Summary:
    """Read the span's official figures year by year (three queries a year), tally the
    fee bands and the trend, and compute year N's tables; `each_year(roc_year, figures)`
    sees each year's figures before they are dropped."""
    bands = selectors.FeeBandTally(first, year)
    trend = selectors.TrendTally(first, year)
    fields, ratios, count = [], [], 0
    years = range(first, year + 1)
    for done, roc_year in enumerate(years, start=1):
        data = figures.official(roc_year)
        count += len(data)
        bands.add(data)
        trend.add(data)
        if roc_year == year:
            fields = selectors.field_report(data, year)
            ratios = selectors.field_self_sufficiency(data)
        if each_year is not None:
            each_year(roc_year, data)
        if progress is not None:
            progress(done, len(years) + 1)
        del data
    return Summary(year, first, fields, bands.result(), trend.result(), ratios, count)


# The exporters: a sheet's title, its columns and its rows.


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str = ""
    width: float = 12


class Total(list):
    """A row of totals (set in bold)."""


class Shares(list):
    """A row of shares under counts: its numbers are percentages whatever the column."""


@dataclass
class Table:
    name: str  # the sheet's name
    title: str
    columns: list[Column]
    rows: Iterable = ()
    notes: list[str] = field(default_factory=list)
    freeze_columns: int = 1


def _share(percent: int | None):
    """A share in whole percent, as a fraction Excel shows as a percentage (15 → 15%)."""
    return None if percent is None else percent / 100


def _field_name(row) -> str:
    return row.field.name_zh if row.field else _("Total")


def members_table(summary: Summary) -> Table:
    year = summary.year
    rows = []
    for row in summary.fields:
        cells = [
            _field_name(row),
            row.alliances,
            row.members,
            row.average_members,
            _share(row.share),
            row.next_target,
        ]
        rows.append(cells if row.field else Total(cells))
    return Table(
        name=SHEET_MEMBERS,
        title=_("%(year)s company members by field") % {"year": year},
        columns=[
            Column(_("Field"), TEXT, 14),
            Column(_("Alliances"), COUNT, 10),
            Column(_("Company members"), COUNT, 14),
            Column(_("Average per alliance"), COUNT, 16),
            Column(_("Share"), PERCENT, 10),
            # Named as on the web page (templates/reports/fields.html), with its year.
            Column(_("Suggested target next year (%(year)s)") % {"year": year + 1}, COUNT, 16),
        ],
        rows=rows,
        notes=[
            _("Company members counted under M2–M4, from the accepted second KPI filings."),
            _("Averages and shares are computed from the figures and rounded half up."),
        ],
    )


def revenue_table(summary: Summary) -> Table:
    rows = []
    for row in summary.fields:
        cells = [
            _field_name(row),
            row.recurring_k,
            row.transfer_k,
            row.collaboration_k,
            row.total_k,
            row.average_k,
        ]
        rows.append(cells if row.field else Total(cells))
    return Table(
        name=SHEET_REVENUE,
        title=_("%(year)s revenue by field (NT$ thousand)") % {"year": summary.year},
        columns=[
            Column(_("Field"), TEXT, 14),
            Column(_("Recurring operating (NT$ thousand)"), THOUSANDS, 18),
            Column(_("Technology transfer (NT$ thousand)"), THOUSANDS, 18),
            Column(_("Collaboration (NT$ thousand)"), THOUSANDS, 18),
            Column(_("Total (NT$ thousand)"), THOUSANDS, 14),
            Column(_("Average per alliance (NT$ thousand)"), THOUSANDS, 18),
        ],
        rows=rows,
        notes=[
            _("Recurring operating revenue is membership fees, technical services and other "
              "operating revenue (R2); collaboration at its full amount (R7)."),
            _("NT$ thousands, rounded half up; totals and averages from the full amounts."),
        ],
    )  # fmt: skip


def fee_band_table(summary: Summary) -> Table:
    bands = summary.bands
    rows = []
    for row in bands.rows:
        cells = [_field_name(row), *row.cells, row.total]
        rows.append(cells if row.field else Total(cells))
    rows.append(Shares([_("Share"), *map(_share, bands.shares), _share(bands.total_share)]))
    first, last = bands.years
    return Table(
        name=SHEET_BANDS,
        title=_("Average membership fee per company member, %(first)s–%(last)s (NT$ thousand)")
        % {"first": first, "last": last},
        columns=[
            Column(_("Field"), TEXT, 14),
            *(Column(label, COUNT, 8) for label in FEE_BAND_LABELS),
            Column(_("Total"), COUNT, 9),
        ],
        rows=rows,
        notes=[
            _("Each alliance-year: membership fee revenue ÷ company members, in NT$ "
              "thousands, rounded half up, counted in its band; alliance-years without "
              "company members are left out (%(n)s)." ) % {"n": len(bands.without_members)},
        ],
    )  # fmt: skip


def self_sufficiency_table(summary: Summary) -> Table:
    rows = []
    for r in summary.ratios:
        cells = [
            _field_name(r),
            r.alliances,
            half_up_int(r.counted / 1000),
            half_up_int(r.subsidy / 1000),
            _share(r.ratio),
        ]
        rows.append(cells if r.field else Total(cells))
    return Table(
        name=SHEET_SELF,
        title=_("%(year)s self-sufficiency by field") % {"year": summary.year},
        columns=[
            Column(_("Field"), TEXT, 14),
            Column(_("Alliances"), COUNT, 10),
            Column(_("Counted revenue (NT$ thousand)"), THOUSANDS, 18),
            Column(_("Subsidy (NT$ thousand)"), THOUSANDS, 14),
            Column(_("Self-sufficiency"), PERCENT, 12),
        ],
        rows=rows,
        notes=[
            _("Counted revenue (collaboration at the year's R8 weight) ÷ subsidy; the target "
              "is 80% by phase 2 year 3 (R10)."),
        ],
    )  # fmt: skip


def trend_table(summary: Summary) -> Table:
    trend = summary.trend
    return Table(
        name=SHEET_TREND,
        title=_("Self-sufficiency by field, %(first)s–%(last)s")
        % {"first": trend["years"][0], "last": trend["years"][-1]},
        columns=[
            Column(_("Field"), TEXT, 14),
            *(Column(str(y), PERCENT, 9) for y in trend["years"]),
        ],
        rows=[[row["field"].name_zh, *map(_share, row["cells"])] for row in trend["rows"]],
    )


def alliance_years_table(first: int, last: int) -> Table:
    """The raw sheet: every alliance-year of the span with every catalog figure (its rows
    are written year by year while the span is read)."""
    return Table(
        name=SHEET_RAW,
        title=_("Alliance-years %(first)s–%(last)s and their official figures")
        % {"first": first, "last": last},
        columns=[
            Column(_("Year"), "0", 7),
            Column(_("Field"), TEXT, 12),
            Column(_("Alliance code"), TEXT, 12),
            Column(_("Alliance"), TEXT, 34),
            Column(_("Executing institution"), TEXT, 24),
            Column(_("Phase"), "0", 7),
            Column(_("Year of phase"), "0", 7),
            Column(_("Subsidy (NT$)"), COUNT, 14),
            *(
                Column(f"{item.label}（{item.code}）", COUNT, 14)
                for item in catalog.ITEMS
                if item.unit != "percent"
            ),
            Column(_("Self-sufficiency"), PERCENT, 10),
            Column(_("Average fee per company member (NT$ thousand)"), COUNT, 14),
            Column(_("Fee band"), TEXT, 9),
        ],
        freeze_columns=4,
    )


def alliance_year_row(fig) -> list:
    ay, alliance = fig.ay, fig.ay.alliance
    average = average_fee_thousands(fig.get("R-FEE"), fig.get("M-COMPANY"))
    ratio = fig.values.get("R-SELF")
    return [
        ay.programme_year.roc_year,
        alliance.field.name_zh,
        alliance.code,
        alliance.name_zh,
        alliance.institution,
        ay.phase,
        ay.phase_year,
        ay.subsidy,
        *(fig.values.get(item.code) for item in catalog.ITEMS if item.unit != "percent"),
        None if ratio is None else ratio / 100,
        average,
        fee_band(average) if average is not None else "",
    ]


# The renderer: write-only sheets, created in order, filled as rows arrive.


class XlsxBook:
    def __init__(self):
        self.book = new_workbook()

    def add(self, table: Table):
        """Create the table's sheet (sheets appear in the order they are added) and write
        its title, headers and rows; more rows may follow with extend()."""
        sheet = self.reserve(table.name)
        self.fill(sheet, table, close=False)
        return sheet

    def reserve(self, name) -> list:
        """Create a sheet now, to be filled later: its place in the workbook is kept."""
        return [self.book.create_sheet(str(name)[:31]), None]

    def fill(self, sheet, table: Table, *, close=True) -> None:
        ws = sheet[0]
        sheet[1] = table
        for i, column in enumerate(table.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        ws.freeze_panes = f"{get_column_letter(table.freeze_columns + 1)}3"
        ws.append([write_only_cell(ws, table.title, font=TITLE_FONT)])
        ws.append(
            [
                write_only_cell(ws, c.header, font=BOLD_FONT, fill=HEAD_FILL, alignment=WRAP)
                for c in table.columns
            ]
        )
        self.extend(sheet, table.rows)
        if close:
            self.close(sheet)

    def extend(self, sheet, rows: Iterable) -> None:
        ws, table = sheet
        for row in rows:
            font = BOLD_FONT if isinstance(row, Total) else None
            shares = isinstance(row, Shares)
            ws.append(
                [
                    write_only_cell(
                        ws,
                        value,
                        number_format=PERCENT if shares and i else column.number_format,
                        font=font,
                    )
                    for i, (value, column) in enumerate(zip(row, table.columns, strict=True))
                ]
            )

    def close(self, sheet) -> None:
        """The table's notes below its rows."""
        ws, table = sheet
        if table.notes:
            ws.append([])
        for note in table.notes:
            append_row(ws, [note])

    def save(self, out) -> None:
        self.book.save(out)


TABLES = (
    (SHEET_MEMBERS, members_table),
    (SHEET_REVENUE, revenue_table),
    (SHEET_BANDS, fee_band_table),
    (SHEET_SELF, self_sufficiency_table),
    (SHEET_TREND, trend_table),
)


def write_summary(
    out, *, year: int, first: int | None = None, progress: Callable | None = None, by=None
) -> Summary:
    """Write year `year`'s summary workbook, with the fee bands, trend and raw sheet over
    first..year (default: the five years ending at `year`), to `out` (a path or a binary
    file). `progress(done, total)` is called as the work advances."""
    from alliances.models import ProgrammeYear

    first = check_span(year, first, ProgrammeYear.objects.values_list("roc_year", flat=True))
    with translation.override(LANGUAGE):
        book = XlsxBook()
        # The published tables come first; their rows are known once the span is read.
        reserved = [book.reserve(str(name)) for name, _build in TABLES]
        raw = book.add(alliance_years_table(first, year))
        summary = collect(
            year,
            first,
            each_year=lambda _y, data: book.extend(raw, map(alliance_year_row, data)),
            progress=progress,
        )
        book.close(raw)
        for sheet, (_name, build) in zip(reserved, TABLES, strict=True):
            book.fill(sheet, build(summary))
        book.fill(book.reserve(str(SHEET_ABOUT)), about_table(summary, by))
        book.save(str(out) if isinstance(out, str | Path) else out)
    if progress is not None:
        steps = summary.year - summary.first + 2
        progress(steps, steps)
    return summary


def about_table(summary: Summary, by=None) -> Table:
    made = format_roc_datetime(timezone.localtime())
    rows = [
        [_("Year"), summary.year],
        [_("Span of the fee bands and the trend"), f"{summary.first}–{summary.year}"],
        [_("Figures"), _("official: the last version of each accepted second KPI filing")],
        [_("Alliance-years in the span"), summary.alliance_years],
        [_("Made"), made],
    ]
    if by is not None:
        rows.append([_("Made by"), by.name or by.email])
    return Table(
        name=SHEET_ABOUT,
        title=_("About this workbook"),
        columns=[Column(_("Item"), TEXT, 30), Column(_("Value"), TEXT, 60)],
        rows=rows,
        freeze_columns=0,
    )
