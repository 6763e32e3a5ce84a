"""The demo's past years (102–105): their accepted figures go in the way an office would
bring them, as a workbook with the sheet 「歷年核定數據」 through the import machinery
(workbook_import/sheets/historic.py). They are what the years' member lists and ledgers
(loaded by demo/loader.py before) count, so the pages agree with the reports for every
year. With 106's accepted filings, 102–106 then reproduce fee_bands_102_106.csv, and
trends, R9, P1 and P2 have years to look back on."""

import io

from openpyxl import Workbook

from demo.ledger import record_counts
from demo.members import new_company_count
from demo.plan import EARLIER_YEARS, build_plan
from kpi.ledger import catalog
from kpi.models import FilingVersion
from workbook_import.engine import run_workbook
from workbook_import.sheets.historic import SHEET, column_header

BASE = ["聯盟代碼", "年度", "期別", "期內年次", "補助款", "產學合作計入比例"]


def _values(code: str, year, previous) -> dict:
    """What the year's member list and ledger (demo/members.py, demo/ledger.py) count;
    outcomes and activities of these years are 0, as their ledgers have none."""
    values = dict.fromkeys((item.code for item in catalog.TARGETED), 0)
    values.update(
        {
            "M-COMPANY": year.company_members,
            "M-INDIVIDUAL": year.individual_members,
            "M-OTHER": year.other_members + year.m3_foreign + year.m3_research,
            # Members stay as far as the counts allow: the new ones are the growth (P1).
            "M-NEW": new_company_count(year, previous),
            "R-FEE": year.membership_fees,
            "R-SERVICE": year.technical_service,
            "R-OTHER": year.other_operating,
            "R-TRANSFER": year.tech_transfer,
            "R-COLLAB": year.collaboration,
            **record_counts(code, year),
        }
    )
    return values


def workbook(plan=None) -> bytes:
    """The 歷年核定數據 sheet of 102–105 from the demo data plan."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(BASE + [column_header(item) for item in catalog.TARGETED])
    for planned in plan or build_plan():
        previous = None
        for year in planned.years:
            if year.roc_year in EARLIER_YEARS:
                values = _values(planned.code, year, previous)
                sheet.append(
                    [planned.code, year.roc_year, year.phase, year.phase_year, year.subsidy, None]
                    + [values[item.code] for item in catalog.TARGETED]
                )
            previous = year
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load(office) -> int:
    """Import the past years once; returns how many alliance-years got figures."""
    if FilingVersion.objects.filter(imported=True).exists():
        return 0
    report = run_workbook(workbook(), user=office, scope="office", dry_run=False)
    if not report.ok:
        raise RuntimeError("the demo's past years did not import: " + "; ".join(report.errors))
    return sum(s.new + s.changed for s in report.sheets)
