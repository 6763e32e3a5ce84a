"""The office's review pages as people use them: the overview with filters, counts and
exports, the review screen, issuing, the alliance's view of its audit records, the bulk
issue with the zip; the department viewer reads and changes nothing."""

import csv
import io
import zipfile

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
from kpi.filings import services as filings
from kpi.models import AuditRecord, BulkIssue, Filing, FilingKind, FilingState, ReviewMark
from kpi.review import services as review
from tests.filing_helpers import answers, at
from tests.review_helpers import REVIEW_DAY, pdf_text, reviewing


def review_url(people, filing="first", tail=""):
    return f"/alliances/{people.alliance.pk}/filings/106/{filing}/review/{tail}"


def _more_alliances(n, year=106, start=0):
    """n more alliances of 106; every other one has a first KPI filing row with an
    extension and a ledger record (a draft), the others nothing (not started)."""
    import datetime as dt

    from kpi.models import FilingExtension, RevenueEntry

    py = ProgrammeYear.objects.get(roc_year=year)
    field = Field.objects.get(code="biomed")
    for i in range(start, start + n):
        a = Alliance.objects.create(name_zh=f"生技聯盟{i}", field=field, code=f"BIO{i:03d}")
        ay = AllianceYear.objects.create(
            alliance=a,
            programme_year=py,
            phase=2,
            phase_year=1,
            subsidy=1_500_000,
            collaboration_weight=100,
        )
        if i % 2:
            filing = Filing.objects.create(alliance_year=ay, kind=FilingKind.FIRST)
            FilingExtension.objects.create(
                filing=filing, until=dt.date(2017, 11, 30), reason="延期"
            )
            RevenueEntry.objects.create(
                alliance_year=ay, kind="other_operating", amount=1_000, date=dt.date(2017, 5, 1)
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
        # 生技聯盟1 has records and an extension to 106.11.30: a draft, not overdue yet.
        drafts = client.get("/office/review/106/first/?state=draft").content.decode()
        assert "生技聯盟1" in drafts and "生技聯盟0" not in drafts
        idle = client.get("/office/review/106/first/?state=overdue").content.decode()
        assert "生技聯盟0" in idle and "生技聯盟1" not in idle
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
        assert {r[1]: r[4] for r in rows[1:]} == {"生技聯盟0": "逾期", "生技聯盟1": "草稿"}
        text = client.get("/office/review/106/first/?format=csv").content.decode("utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert len(table) == 1 + 4  # both canonical alliances and the two new ones
        mine = next(r for r in table if r[0] == "MECH001")
        assert mine[4] == "審查中" and mine[5] == "1"


def test_the_overview_runs_a_fixed_number_of_queries(client, people):
    reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        _more_alliances(2)
        client.get("/office/review/106/first/")
        with CaptureQueriesContext(connection) as few:
            client.get("/office/review/106/first/")
        _more_alliances(12, start=2)
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
            {"code": "R-FEE", "verdict": "flagged", "reason": "", "revision": 0, "version": 1},
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
                "version": 1,
            },
        )
        assert ok.status_code == 302
        stale = client.post(
            review_url(people, tail="mark/"),
            {"code": "R-FEE", "verdict": "accepted", "revision": 0, "version": 1},
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
                "version": 1,
                "item": "R-SERVICE",
            },
        )
        assert ReviewMark.objects.get(record=record).reason == "發票日期不符"


def test_query_counts_of_the_review_screen_do_not_grow_with_records(client, people):
    from kpi.models import SnapshotRecord

    version = reviewing(people)
    client.force_login(people.office)

    def counts():
        sizes = []
        for url in (review_url(people), review_url(people) + "?item=R-SERVICE"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            sizes.append(len(queries))
        return sizes

    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        review.mark_save(
            version=version,
            by=people.office,
            record=version.records.get(source="revenue"),
            verdict="flagged",
            reason="請補件",
        )
        few = counts()
        for n in range(40):
            record = SnapshotRecord.objects.create(
                version=version,
                source="revenue",
                record_id=10_000 + n,
                kind="technical_service",
                kind_label="技術服務",
                label=f"檢測 {n}",
                amount=1_000,
                counted=True,
                counted_amount=1_000,
            )
            verdict = "flagged" if n % 2 else "accepted"
            review.mark_save(
                version=version, by=people.office, record=record, verdict=verdict, reason="請補件"
            )
        many = counts()
    assert many == few and few[0] <= 40 and few[1] <= 42, (few, many)


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
    assert "請補發票" in pdf_text(pdf.content)
    client.force_login(people.other_pi)
    assert (
        client.get(
            f"/alliances/{people.alliance.pk}/filings/106/first/audit-records/{record.pk}.pdf"
        ).status_code
        == 404
    )


def test_a_resubmission_shows_the_flagged_items_first_and_what_changed(client, people):
    from kpi.ledger import services as ledger
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
            filing=version.filing,
            by=people.pi,
            certified_name=people.pi.name,
            confirmed=True,
            answers=answers(version.filing),
        )
        filings.filing_review_start(filing=version.filing, by=people.office)
    client.force_login(people.office)
    html = client.get(review_url(people)).content.decode()
    rows = html.split("<tbody>", 1)[1]
    assert rows.index('id="item-R-OTHER"') < rows.index('id="item-M-COMPANY"')
    assert "上次查核記錄已標記" in html and "106-1-001" in html
    assert "25,000" in html  # the added record in the changes


def test_the_viewer_reads_everything_and_changes_nothing(client, people):
    from core.models import AuditEvent
    from kpi.models import Assessment, FilingTransition

    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.filing_note(filing=version.filing, by=people.office, text="內部備忘", internal=True)
        client.force_login(people.viewer)
        assert client.get("/office/review/106/first/").status_code == 200
        page = client.get(review_url(people)).content.decode()
        assert "內部備忘" in page and "儲存標記" not in page and "開立查核記錄</button>" not in page
        detail = client.get(f"/alliances/{people.alliance.pk}/filings/106/first/")
        assert "內部備忘" in detail.content.decode()
        counts = (
            ReviewMark.objects.count(),
            FilingTransition.objects.count(),
            AuditEvent.objects.count(),
        )
        valid = {
            "mark/": {"code": "R-FEE", "verdict": "accepted", "revision": 0, "version": 1},
            "accept-rest/": {},
            "issue/": {"correction_due": "106.12.31"},
            "reopen/": {"reason": "重開", "correction_due": "106.12.31"},
            "note/": {"text": "觀察", "internal": "on"},
            "start/": {},
        }
        for tail, data in valid.items():
            assert client.post(review_url(people, tail=tail), data).status_code == 404, tail
        assert (
            client.post(
                "/office/review/106/first/bulk/", {"correction_due": "106.12.31"}
            ).status_code
            == 404
        )
    assert counts == (
        ReviewMark.objects.count(),
        FilingTransition.objects.count(),
        AuditEvent.objects.count(),
    )
    assert not AuditRecord.objects.exists() and not Assessment.objects.exists()
    assert not BulkIssue.objects.exists()
    assert Filing.objects.get(kind="first").state == FilingState.UNDER_REVIEW


def test_a_mark_from_a_page_of_an_older_version_is_refused(client, people):
    version = reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        stale = client.post(
            review_url(people, tail="mark/"),
            {"code": "R-FEE", "verdict": "accepted", "revision": 0, "version": 2},
        )
    assert stale.status_code == 400 and "第 1 版" in stale.content.decode()
    assert not ReviewMark.objects.filter(version=version).exists()


def test_expected_outcomes_are_returned_and_accepted_from_the_page(client, people):
    from tests.filing_helpers import full_targets, submitted_expected

    version = submitted_expected(people)
    client.force_login(people.office)
    url = review_url(people, "expected")
    with time_machine.travel(at(2017, 5, 8), tick=False):
        client.post(review_url(people, "expected", "start/"))
        html = client.get(url).content.decode()
        assert "退回修正" in html and "核定：成為本年度目標" in html and "開立查核記錄" not in html
        assert html.count('id="id_return-comment"') == 1 and 'id="id_accept-comment"' in html
        empty = client.post(review_url(people, "expected", "return/"), {"return-comment": ""})
        assert empty.status_code == 400
        done = client.post(
            review_url(people, "expected", "return/"),
            {"return-comment": "會費目標請提高", "return-correction_due": ""},
        )
        assert done.status_code == 302
    filing = version.filing
    filing.refresh_from_db()
    assert (
        filing.state == FilingState.RETURNED and filing.correction_due.isoformat() == "2017-06-30"
    )
    with time_machine.travel(at(2017, 6, 2), tick=False):
        filings.targets_save(filing=filing, by=people.pi, targets=full_targets(9))
        filings.filing_submit(
            filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
        client.force_login(people.office)
        client.post(review_url(people, "expected", "start/"))
        accepted = client.post(review_url(people, "expected", "accept/"), {"accept-comment": ""})
        assert accepted.status_code == 302
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED


def test_a_kpi_filing_is_not_returned_or_accepted_without_an_audit_record(client, people):
    reviewing(people)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        for tail, data in (
            ("return/", {"return-comment": "退回"}),
            ("accept/", {"accept-comment": ""}),
        ):
            response = client.post(review_url(people, tail=tail), data)
            assert response.status_code == 400 and "查核記錄" in response.content.decode()
    assert Filing.objects.get(kind="first").state == FilingState.UNDER_REVIEW


def test_the_office_reopens_an_accepted_filing_from_its_page(client, people):
    from core.models import AuditEvent

    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)
    client.force_login(people.office)
    with time_machine.travel(at(2018, 3, 1), tick=False):
        page = client.get(review_url(people)).content.decode()
        assert "重新開啟填報" in page
        missing = client.post(
            review_url(people, tail="reopen/"), {"reason": "", "correction_due": "107.03.20"}
        )
        assert missing.status_code == 400
        reopened = client.post(
            review_url(people, tail="reopen/"),
            {"reason": "技術移轉金額誤植", "correction_due": "107.03.20"},
        )
        assert reopened.status_code == 302
    filing = Filing.objects.get(kind="first")
    assert filing.state == FilingState.RETURNED
    assert AuditEvent.objects.get(action="filing.reopened").reason == "技術移轉金額誤植"


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


def _other_alliance_reviewing(people):
    """The other alliance's first KPI filing of 106, submitted and under review."""
    from kpi.filings import selectors as filing_selectors
    from tests.filing_helpers import full_targets

    ay = AllianceYear.objects.get(alliance=people.other_alliance, programme_year__roc_year=106)
    expected = filing_selectors.filing_of(ay, FilingKind.EXPECTED)
    with time_machine.travel(at(2017, 4, 10), tick=False):
        expected = filings.targets_save(filing=expected, by=people.other_pi, targets=full_targets())
        filings.filing_submit(
            filing=expected,
            by=people.other_pi,
            certified_name=people.other_pi.name,
            confirmed=True,
        )
    first = filing_selectors.filing_of(ay, FilingKind.FIRST)
    with time_machine.travel(at(2017, 10, 20), tick=False):
        version = filings.filing_submit(
            filing=first, by=people.other_pi, certified_name=people.other_pi.name, confirmed=True
        )
    with time_machine.travel(REVIEW_DAY, tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
    return version


def test_bulk_issue_goes_on_past_a_filing_it_cannot_issue(people, worker):
    mine = reviewing(people)
    theirs = _other_alliance_reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        for version in (mine, theirs):
            review.accept_unmarked(version=version, by=people.office)
        bulk = review.bulk_issue_start(
            roc_year=106,
            period="first",
            by=people.office,
            correction_due=__import__("datetime").date(2017, 12, 31),
        )
        with pytest.raises(filings.FilingError, match="批次"):  # a double click: one bulk
            review.bulk_issue_start(
                roc_year=106,
                period="first",
                by=people.office,
                correction_due=__import__("datetime").date(2017, 12, 31),
            )
        by_hand = review.audit_record_issue(filing=mine.filing, by=people.office)
        worker()
    bulk.refresh_from_db()
    assert bulk.status == "finished" and bulk.done == 2
    [issued] = AuditRecord.objects.filter(pk__in=bulk.issued)
    assert issued.filing == theirs.filing and issued.number == "106-1-002"
    [failure] = bulk.failures
    assert failure["alliance"] == people.alliance.name and by_hand.number in failure["error"]


def test_the_review_home_opens_the_period_with_filings_waiting(client, people):
    reviewing(people)
    client.force_login(people.office)
    assert client.get("/office/review/")["Location"] == "/office/review/106/first/"


def test_history_steps_by_nobody_show_a_dash_not_an_error(client, people):
    """Past years imported by a command have no person on their routing steps."""
    from workbook_import.sheets.historic import save_figures

    save_figures(alliance_year=people.alliance_years[105], values={}, by=None)
    for user in (people.pi, people.office):
        client.force_login(user)
        page = client.get(f"/alliances/{people.alliance.pk}/filings/105/second/")
        assert page.status_code == 200 and "· — ·" in page.content.decode()
    review_page = client.get(f"/alliances/{people.alliance.pk}/filings/105/second/review/")
    assert review_page.status_code == 200
