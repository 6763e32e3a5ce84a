"""The outstanding alliances of a year (每領域遴選1案績優聯盟, domain.md §5) as an .xlsx
workbook for the department: the chosen alliance of each field, and every candidate with
its rank.

The workbook is the programme's document, in the house style of reports/summary.py: always
in zh-Hant, a title row, a header row, frozen panes, scores as numbers. Text never becomes
a formula, whatever an alliance calls itself.
"""

from dataclasses import dataclass
from io import BytesIO

from django.utils import translation
from openpyxl.utils import get_column_letter

from core.roc import format_roc_date
from core.writers import BOLD_FONT, HEAD_FILL, TEXT, TITLE_FONT, WRAP, new_workbook, write_only_cell
from inspections import selectors

LANGUAGE = "zh-hant"

SCORE = "0.00"
WHOLE = "0"

SHEET_AWARDS = "績優聯盟"
SHEET_CANDIDATES = "候選名單"


@dataclass(frozen=True)
class Column:
    header: str
    number_format: str = ""
    width: float = 12


AWARD_COLUMNS = [
    Column("年度", WHOLE, 7),
    Column("領域", TEXT, 12),
    Column("聯盟代碼", TEXT, 12),
    Column("聯盟名稱", TEXT, 34),
    Column("執行機構", TEXT, 24),
    Column("綜合評分", SCORE, 10),
    Column("名次", WHOLE, 7),
    Column("查訪結果", TEXT, 24),
    Column("選定日期", TEXT, 12),
    Column("公告日期", TEXT, 12),
]

CANDIDATE_COLUMNS = [
    Column("年度", WHOLE, 7),
    Column("領域", TEXT, 12),
    Column("名次", WHOLE, 7),
    Column("聯盟代碼", TEXT, 12),
    Column("聯盟名稱", TEXT, 34),
    Column("執行機構", TEXT, 24),
    Column("綜合評分", SCORE, 10),
    Column("查訪結果", TEXT, 24),
    Column("是否選定", TEXT, 9),
]


def _score(visit):
    return None if visit.score is None else float(visit.score)


def _alliance_cells(visit) -> list:
    alliance = visit.alliance_year.alliance
    return [alliance.code or "", alliance.name_zh, alliance.institution]


def award_rows(roc_year: int, by_field: dict) -> list[list]:
    """One row per field, in the fields' order; a field without a choice has its name only."""
    rows = []
    for field_obj, entry in by_field.items():
        award = entry["award"]
        if award is None:
            rows.append([roc_year, field_obj.name_zh] + [None] * (len(AWARD_COLUMNS) - 2))
            continue
        chosen = next((c for c in entry["candidates"] if c.visit.pk == award.visit_id), None)
        visit = chosen.visit if chosen else award.visit
        rows.append(
            [
                roc_year,
                field_obj.name_zh,
                *_alliance_cells(visit),
                _score(visit),
                chosen.rank if chosen else None,
                str(visit.get_outcome_display()),
                format_roc_date(award.selected_at),
                format_roc_date(award.published_at),
            ]
        )
    return rows


def candidate_rows(roc_year: int, by_field: dict) -> list[list]:
    """Every consolidated visit of the year: by field, then by rank."""
    rows = []
    for field_obj, entry in by_field.items():
        for candidate in entry["candidates"]:
            visit = candidate.visit
            alliance_code, name, institution = _alliance_cells(visit)
            rows.append(
                [
                    roc_year,
                    field_obj.name_zh,
                    candidate.rank,
                    alliance_code,
                    name,
                    institution,
                    _score(visit),
                    str(visit.get_outcome_display()),
                    "是" if candidate.selected else "否",
                ]
            )
    return rows


def _write_sheet(book, name: str, title: str, columns: list[Column], rows: list[list]) -> None:
    ws = book.create_sheet(name)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "C3"  # the title and headers, the year and the field
    ws.append([write_only_cell(ws, title, font=TITLE_FONT)])
    ws.append(
        [
            write_only_cell(ws, c.header, font=BOLD_FONT, fill=HEAD_FILL, alignment=WRAP)
            for c in columns
        ]
    )
    for row in rows:
        ws.append(
            [
                write_only_cell(ws, value, number_format=column.number_format)
                for value, column in zip(row, columns, strict=True)
            ]
        )


def awards_workbook(roc_year: int) -> bytes:
    """The year's outstanding alliances and their candidates, as .xlsx bytes (a handful of
    queries whatever the number of visits)."""
    with translation.override(LANGUAGE):
        by_field = selectors.candidates(roc_year)
        book = new_workbook()
        _write_sheet(
            book,
            SHEET_AWARDS,
            f"{roc_year}年度各領域績優聯盟",
            AWARD_COLUMNS,
            award_rows(roc_year, by_field),
        )
        _write_sheet(
            book,
            SHEET_CANDIDATES,
            f"{roc_year}年度績優聯盟候選名單（依綜合評分排序，同分同名次）",
            CANDIDATE_COLUMNS,
            candidate_rows(roc_year, by_field),
        )
        out = BytesIO()
        book.save(out)
    return out.getvalue()
