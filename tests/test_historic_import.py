"""Past years' accepted figures through the workbook machinery
(workbook_import/sheets/historic.py): the alliance-year's second filing becomes accepted
with an imported snapshot; unchanged rows change nothing; bad cells are named by sheet, row
and column; a year filed on the portal is never overwritten."""

from core.workbooks import open_workbook
from kpi.ledger import catalog
from kpi.models import Filing, FilingKind, FilingState, FilingVersion
from tests.filing_helpers import submitted_expected
from tests.workbook_helpers import workbook_bytes
from workbook_import.engine import export_workbook, run_workbook
from workbook_import.sheets.historic import SHEET, imported_values

BASE = ["聯盟代碼", "年度", "期別", "期內年次", "補助款", "產學合作計入比例"]


def headers():
    from workbook_import.sheets.historic import column_header

    return BASE + [column_header(item) for item in catalog.TARGETED]


def row(code="MECH001", year=105, **values):
    items = {item.code: 0 for item in catalog.TARGETED} | values
    return [code, year, 1, 1, 2_000_000, 100] + [items[i.code] for i in catalog.TARGETED]


def test_imported_figures_make_an_accepted_second_filing_with_derived_items(people):
    data = workbook_bytes(
        {SHEET: [headers(), row(**{"M-COMPANY": 12, "R-FEE": 300_000, "R-COLLAB": 1_000_000})]}
    )
    report = run_workbook(data, user=people.office, scope="office", dry_run=False)
    assert report.ok, report.errors
    filing = Filing.objects.get(alliance_year=people.alliance_years[105], kind=FilingKind.SECOND)
    assert filing.state == FilingState.ACCEPTED
    values = imported_values(people.alliance_years[105])
    assert values["M-COMPANY"] == 12 and values["R-RECURRING"] == 300_000
    assert values["R-TOTAL"] == 1_300_000 and values["R-TOTAL-C"] == 1_300_000
    assert values["R-SELF"] == 65  # 1,300,000 ÷ 2,000,000
    # The same workbook again changes nothing; a changed cell adds a version.
    again = run_workbook(data, user=people.office, scope="office", dry_run=False)
    assert again.ok and again.sheets[0].unchanged == 1 and again.sheets[0].changed == 0
    assert FilingVersion.objects.filter(filing=filing).count() == 1
    changed = workbook_bytes({SHEET: [headers(), row(**{"M-COMPANY": 13, "R-FEE": 300_000})]})
    assert run_workbook(changed, user=people.office, scope="office", dry_run=False).ok
    assert [v.number for v in filing.versions.all()] == [1, 2]
    assert imported_values(people.alliance_years[105])["M-COMPANY"] == 13


def test_bad_cells_are_named_and_nothing_is_saved(people):
    data = workbook_bytes(
        {SHEET: [headers(), row(**{"R-FEE": -5}), row(code="NOPE01", **{"M-COMPANY": "many"})]}
    )
    report = run_workbook(data, user=people.office, scope="office", dry_run=False)
    text = "\n".join(report.errors)
    assert not report.ok
    assert "第2列" in text and "會員費收入（R-FEE）" in text and "負數" in text
    assert "第3列" in text and "NOPE01" in text
    assert not FilingVersion.objects.exists()


def test_a_year_filed_on_the_portal_is_not_overwritten(people):
    submitted_expected(people)
    from kpi.models import FilingVersion as V

    second = Filing.objects.create(alliance_year=people.alliance_years[106], kind="second")
    V.objects.create(
        filing=second,
        number=1,
        submitted_at=second.created_at,
        certified_name="林主持人",
        statement="…",
    )
    data = workbook_bytes({SHEET: [headers(), row(year=106, **{"M-COMPANY": 99})]})
    report = run_workbook(data, user=people.office, scope="office", dry_run=False)
    assert not report.ok and "送出" in "\n".join(report.errors)
    assert not V.objects.filter(imported=True).exists()


def test_the_office_export_holds_the_imported_years_and_reimports_unchanged(people):
    data = workbook_bytes({SHEET: [headers(), row(**{"M-COMPANY": 7, "R-FEE": 70_000})]})
    assert run_workbook(data, user=people.office, scope="office", dry_run=False).ok
    exported = export_workbook(scope="office")
    rows = [values for _number, values in open_workbook(exported).rows(SHEET)]
    assert rows[0][: len(BASE)] == tuple(BASE) and len(rows) == 2
    report = run_workbook(exported, user=people.office, scope="office", dry_run=False)
    assert report.ok, report.errors
    assert FilingVersion.objects.filter(imported=True).count() == 1
