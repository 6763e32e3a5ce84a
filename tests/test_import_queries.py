"""The workbook import asks the database a bounded number of times per sheet, whatever the
number of rows: a row that did not change costs no query, a changed row only its own
writes (the registry's full re-import has tens of thousands of rows)."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from members.ubn import complete_ubn
from tests.test_kpi_import import HEADERS as REVENUE_HEADERS
from tests.test_kpi_import import row as revenue_row
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes
from workbook_import.engine import export_workbook, run_workbook


def ubns(start, stop):
    return [complete_ubn(f"{5300000 + i:07d}") for i in range(start, stop)]


def add_rows(people, start, stop):
    """Members MECH001 106 with ubns[start:stop], an individual member, and a revenue entry
    from each firm: imported and saved."""
    firms = ubns(start, stop)
    members = [member_row("MECH001", 106, u, f"公司{start + i}") for i, u in enumerate(firms)]
    members.append(
        member_row(
            "MECH001", 106, "", "", kind="個人會員", 個人姓名=f"會員{start}", 國別="", 廠商類型=""
        )
    )
    revenue = [
        revenue_row(統一編號=u, 收入類別="技術服務", 金額=1000 + i) for i, u in enumerate(firms)
    ]
    data = workbook_bytes({"成員": [MEMBER_HEADERS, *members], "收入": [REVENUE_HEADERS, *revenue]})
    report = run_workbook(data, user=people.office, scope="office", dry_run=False)
    assert report.ok, report.errors


def queries(data, user, *, dry_run=True):
    with CaptureQueriesContext(connection) as captured:
        report = run_workbook(data, user=user, scope="office", dry_run=dry_run)
    assert report.ok, report.errors
    return report, len(captured)


def with_every_contact_changed(data: bytes, contact: str) -> bytes:
    rows = [list(r) for r in load_workbook(io.BytesIO(data))["成員"].iter_rows(values_only=True)]
    column = rows[0].index("聯絡人")
    for r in rows[1:]:
        r[column] = contact
    return workbook_bytes({"成員": rows})


def test_reimporting_the_registry_costs_the_same_queries_for_5_and_20_rows(people):
    add_rows(people, 0, 5)
    small = export_workbook(scope="office")
    small_report, small_queries = queries(small, people.office)

    add_rows(people, 5, 20)
    large = export_workbook(scope="office")
    large_report, large_queries = queries(large, people.office)

    # The larger workbook has 15 more firms, members and revenue entries, all unchanged…
    assert small_report.totals()["unchanged"] + 3 * 15 + 1 == large_report.totals()["unchanged"]
    assert large_report.totals()["new"] == large_report.totals()["changed"] == 0
    # …and asks the database exactly as often.
    assert large_queries == small_queries
    assert small_queries < 40


def test_a_changed_row_costs_only_its_own_writes(people):
    add_rows(people, 0, 5)
    small = with_every_contact_changed(export_workbook(scope="office"), "新聯絡人")
    small_report, small_queries = queries(small, people.office, dry_run=False)
    assert small_report.totals()["changed"] == 7  # the fixture's member, 5 firms, 1 person

    add_rows(people, 5, 20)
    large = with_every_contact_changed(export_workbook(scope="office"), "又一位聯絡人")
    large_report, large_queries = queries(large, people.office, dry_run=False)
    assert large_report.totals()["changed"] == 7 + 16

    # Each changed membership: its model validation (constraints), a savepoint, its update,
    # its audit event, the release; and the year's ledger verdicts are recomputed once, at
    # the end (a query per revenue entry of the year there, outside the import's rows).
    assert large_queries - small_queries <= 16 * 13
