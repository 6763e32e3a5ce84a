"""The office's review pages as people use them: the overview with filters, counts and
exports, the review screen, issuing, the alliance's view of its audit records, the bulk
issue with the zip; the department viewer reads and changes nothing."""

import csv
import io
import zipfile

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
from kpi import filings, review
from kpi.models import AuditRecord, BulkIssue, Filing, FilingKind, FilingState, ReviewMark
from tests.filing_helpers import at
from tests.review_helpers import REVIEW_DAY, pdf_text, reviewing


def review_url(people, filing="first", tail=""):
    return f"/alliances/{people.alliance.pk}/filings/106/{filing}/review/{tail}"


def _more_alliances(n, year=106):
    py = ProgrammeYear.objects.get(roc_year=year)
    field = Field.objects.get(code="biomed")
    for i in range(n):
        a = Alliance.objects.create(name_zh=f"生技聯盟{i}", field=field, code=f"BIO{i:03d}")
        AllianceYear.objects.create(
            alliance=a,
            programme_year=py,
            phase=2,
            phase_year=1,
            subsidy=1_500_000,
            collaboration_weight=100,
        )


def test_the_overview_lists_every_alliance_with_its_state_counts_and_filters(client, people):
    reviewing(people)
    _more_alliances(2)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        page = client.get("/office/review/106/first/")
        html = page.content.decode()
        assert page.status_code == 200
        assert "審查中" in html and "逾期" in html  # ours under review; the others overdue
        assert "智慧精密加工產學小聯盟" in html and "生技聯盟0" in html
        only = client.get("/office/review/106/first/?state=under_review").content.decode()
        assert "智慧精密加工產學小聯盟" in only and "生技聯盟0" not in only
        bio = client.get("/office/review/106/first/?field=biomed&phase=2").content.decode()
        assert "生技聯盟1" in bio and "智慧精密加工產學小聯盟" not in bio
        bad = client.get("/office/review/106/first/?field=nope&state=nope")
        assert bad.status_code == 200 and "沒有這個領域" in bad.content.decode()
        assert client.get("/office/review/999/first/").status_code == 404
        assert client.get("/office/review/106/third/").status_code == 404


def test_the_filtered_rows_export_to_xlsx_and_csv(client, people):
    reviewing(people)
    _more_alliances(2)
    client.force_login(people.viewer)
    with time_machine.travel(REVIEW_DAY, tick=False):
        xlsx = client.get("/office/review/106/first/?field=biomed&format=xlsx")
        book = load_workbook(io.BytesIO(xlsx.content))
        rows = list(book.active.iter_rows(values_only=True))
        assert rows[0][:2] == ("代碼", "聯盟")
        assert sorted(r[1] for r in rows[1:]) == ["生技聯盟0", "生技聯盟1"]
        assert {r[4] for r in rows[1:]} == {"逾期"}
        text = client.get("/office/review/106/first/?format=csv").content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert len(table) == 1 + 4  # both canonical alliances and the two new ones
        mine = next(r for r in table if r[0] == "MECH001")
        assert mine[4] == "審查中" and mine[5] == "1"


def test_the_overview_runs_a_fixed_number_of_queries(client, people):
    reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        client.get("/office/review/106/first/")
        with CaptureQueriesContext(connection) as few:
            client.get("/office/review/106/first/")
        _more_alliances(12)
        with CaptureQueriesContext(connection) as many:
            client.get("/office/review/106/first/")
    assert len(many) == len(few) <= 16, [q["sql"] for q in many.captured_queries]


def test_the_review_screen_marks_items_and_refuses_stale_or_reasonless_marks(client, people):
    version = reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        page = client.get(review_url(people)).content.decode()
        assert "技術服務收入" in page and "儲存標記" in page
        no_reason = client.post(
            review_url(people, tail="mark/"),
            {"code": "R-FEE", "verdict": "flagged", "reason": "", "revision": 0},
        )
        assert no_reason.status_code == 400 and "理由" in no_reason.content.decode()
        assert not ReviewMark.objects.exists()
        ok = client.post(
            review_url(people, tail="mark/"),
            {
                "code": "R-FEE",
                "verdict": "flagged",
                "reason": "收據不足",
                "rule": "R3",
                "revision": 0,
            },
        )
        assert ok.status_code == 302
        stale = client.post(
            review_url(people, tail="mark/"),
            {"code": "R-FEE", "verdict": "accepted", "revision": 0},
        )
        assert stale.status_code == 400 and "王專員" in stale.content.decode()
        assert ReviewMark.objects.get(code="R-FEE").verdict == "flagged"
        # Drill-down: the records behind an item, each with its own mark.
        drill = client.get(review_url(people) + "?item=R-SERVICE").content.decode()
        assert "檢測服務" in drill
        record = version.records.get(source="revenue")
        client.post(
            review_url(people, tail="mark/"),
            {
                "record": record.pk,
                "verdict": "flagged",
                "reason": "發票日期不符",
                "revision": 0,
                "item": "R-SERVICE",
            },
        )
        assert ReviewMark.objects.get(record=record).reason == "發票日期不符"


def test_query_counts_of_the_review_screen_are_bounded(client, people):
    version = reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(people)).status_code == 200
        assert len(queries) <= 40, len(queries)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(review_url(people) + "?item=R-SERVICE").status_code == 200
        assert len(queries) <= 42, len(queries)


def test_issue_from_the_page_then_the_pi_sees_the_record_and_its_pdf(client, people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.mark_save(
            version=version,
            by=people.office,
            code="R-SERVICE",
            verdict="flagged",
            reason="請補發票",
            rule="R5",
        )
        review.accept_unmarked(version=version, by=people.office)
        client.force_login(people.office)
        past = client.post(review_url(people, tail="issue/"), {"correction_due": "106.11.01"})
        assert past.status_code == 400 and "過去" in past.content.decode()
        issued = client.post(review_url(people, tail="issue/"), {"correction_due": "106.12.15"})
        assert issued.status_code == 302
        again = client.post(review_url(people, tail="issue/"), {"correction_due": "106.12.15"})
        assert again.status_code == 400 and "106-1-001" in again.content.decode()
    record = AuditRecord.objects.get()
    assert record.correction_due.isoformat() == "2017-12-15"
    client.force_login(people.pi)
    html = client.get(f"/alliances/{people.alliance.pk}/filings/106/first/").content.decode()
    assert "查核記錄 106-1-001" in html and "請補發票" in html and "106.12.15" in html
    pdf = client.get(
        f"/alliances/{people.alliance.pk}/filings/106/first/audit-records/{record.pk}.pdf"
    )
    assert pdf["Content-Type"] == "application/pdf"
    assert "請補發票" in pdf_text(b"".join(pdf.streaming_content))
    client.force_login(people.other_pi)
    assert (
        client.get(
            f"/alliances/{people.alliance.pk}/filings/106/first/audit-records/{record.pk}.pdf"
        ).status_code
        == 404
    )


def test_a_resubmission_shows_the_flagged_items_first_and_what_changed(client, people):
    from kpi import services as ledger
    from kpi.models import RevenueEntry

    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.mark_save(
            version=version,
            by=people.office,
            code="R-OTHER",
            verdict="flagged",
            reason="其他收入未登錄",
            rule="R2",
        )
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)
    with time_machine.travel(at(2017, 12, 1), tick=False):
        ledger.record_save(
            record=RevenueEntry(
                alliance_year=people.alliance_years[106],
                kind="other_operating",
                amount=25_000,
                date=__import__("datetime").date(2017, 9, 1),
                payer_kind="university",
            ),
            by=people.pi,
        )
        filings.filing_submit(
            filing=version.filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
        filings.filing_review_start(filing=version.filing, by=people.office)
    client.force_login(people.office)
    html = client.get(review_url(people)).content.decode()
    rows = html.split("<tbody>", 1)[1]
    assert rows.index('id="item-R-OTHER"') < rows.index('id="item-M-COMPANY"')
    assert "上次查核記錄已標記" in html and "106-1-001" in html
    assert "25,000" in html  # the added record in the changes


def test_the_viewer_reads_everything_and_changes_nothing(client, people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)
    client.force_login(people.viewer)
    assert client.get("/office/review/106/first/").status_code == 200
    page = client.get(review_url(people))
    assert page.status_code == 200 and "儲存標記" not in page.content.decode()
    for tail in ("start/", "mark/", "accept-rest/", "issue/", "reopen/", "note/"):
        assert client.post(review_url(people, tail=tail), {"reason": "x"}).status_code == 404
    assert Filing.objects.get(kind="first").state == FilingState.ACCEPTED
    assert client.get("/office/review/106/first/audit-records.zip").status_code == 200


def test_bulk_issue_runs_as_a_task_with_progress_and_the_zip_holds_every_pdf(
    client, people, worker
):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        client.force_login(people.office)
        empty = client.post("/office/review/106/second/bulk/", {"correction_due": "107.03.01"})
        assert empty.status_code == 302
        started = client.post("/office/review/106/first/bulk/", {"correction_due": "106.12.31"})
        bulk = BulkIssue.objects.get()
        assert started["Location"] == f"/office/review/bulk/{bulk.pk}/"
        waiting = client.get(started["Location"]).content.decode()
        assert "已完成 0 / 1" in waiting and 'http-equiv="refresh"' in waiting
        worker()
        done = client.get(started["Location"]).content.decode()
        archive = client.get("/office/review/106/first/audit-records.zip")
    bulk.refresh_from_db()
    assert bulk.failures == []
    assert bulk.status == "finished" and bulk.done == 1 and len(bulk.issued) == 1
    assert "106-1-001" in done and "refresh" not in done
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as z:
        [name] = z.namelist()
        assert name == "106-1-001-MECH001.pdf" and z.read(name).startswith(b"%PDF")
    assert Filing.objects.get(kind=FilingKind.FIRST).state == FilingState.ACCEPTED
