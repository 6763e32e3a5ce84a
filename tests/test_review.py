"""The office's review (kpi/review/services/): marks, numbered audit records with their PDF and
email, corrections, reopening, notes, the annual assessment."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from core.models import AuditEvent, OutboundEmail
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.models import (
    Assessment,
    AuditRecord,
    FilingKind,
    FilingState,
    ImmutableError,
    ReviewMark,
    SnapshotRecord,
)
from kpi.review import services as review
from tests.filing_helpers import answers, at
from tests.review_helpers import REVIEW_DAY, page_count, pdf_fonts, pdf_text, reviewing


def _flag_service_and_issue(people, version, **kwargs):
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.mark_save(
            version=version,
            by=people.office,
            code="R-SERVICE",
            verdict="flagged",
            rule="R5",
            reason="技術服務收入缺發票影本，請補上傳",
            expected_revision=0,
        )
        record = SnapshotRecord.objects.get(version=version, source="revenue")
        review.mark_save(
            version=version,
            by=people.office,
            record=record,
            verdict="flagged",
            rule="R5",
            reason="檢測服務合約日期與發票不符",
        )
        review.accept_unmarked(version=version, by=people.office)
        return review.audit_record_issue(filing=version.filing, by=people.office, **kwargs)


def test_issuing_with_flags_numbers_the_record_returns_the_filing_and_opens_the_window(people):
    version = reviewing(people)
    record = _flag_service_and_issue(people, version)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    assert record.number == "106-1-001"
    assert filing.state == FilingState.RETURNED
    assert filing.correction_due == dt.date(2017, 12, 31)  # the calendar's end of N.12
    assert [f["type"] for f in record.findings] == ["item", "record"]
    # The alliance may correct and resubmit until then.
    with time_machine.travel(at(2017, 12, 20), tick=False):
        v2 = filings.filing_submit(
            filing=filing,
            by=people.pi,
            certified_name=people.pi.name,
            confirmed=True,
            answers=answers(filing),
        )
    assert v2.number == 2 and v2.filing.state == FilingState.RESUBMITTED
    steps = list(filing.transitions.values_list("to_state", flat=True))
    assert steps[-3:] == ["under_review", "returned", "resubmitted"]


def test_the_pdf_holds_every_finding_its_reason_and_roc_dates_in_embedded_cjk_fonts(people):
    version = reviewing(people)
    record = _flag_service_and_issue(people, version)
    data = record.pdf.read()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "106-1-001",
        "查核記錄",
        people.alliance.name_zh,
        "技術服務收入",  # the flagged item
        "技術服務收入缺發票影本，請補上傳",
        "檢測服務合約日期與發票不符",
        "R5",
        "106.12.31",  # the correction deadline, ROC
        "106.11.10",  # issued on, ROC
        "第 1 頁",
    ):
        assert expected in text.replace(" ", "").replace("\n", "") or expected in text, expected
    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] for f in fonts), fonts
    assert all("Noto-Sans-CJK-TC" in f["name"] for f in fonts), fonts  # the footer's too
    assert page_count(data) >= 1
    # Stored unchangeable: the row refuses a change, the file is checked when read.
    assert record.pdf_bytes() == data
    with open(record.pdf.path, "r+b") as handle:
        handle.seek(-8, 2)
        handle.write(b"tampered")
    with pytest.raises(ImmutableError):
        record.pdf_bytes()
    with pytest.raises(ImmutableError):
        record.save()
    with pytest.raises(ImmutableError):
        record.delete()


def test_the_record_is_emailed_with_its_pdf_to_the_team_and_not_to_outsiders(people, worker):
    version = reviewing(people)
    record = _flag_service_and_issue(people, version)
    worker()
    carried = [m for m in mail.outbox if m.attachments]
    sent = {address for message in carried for address in message.to}
    assert sent == {"pi@example.org", "copi@example.org", "assistant@example.org"}
    assert len(carried) == 3
    for message in carried:
        assert "106-1-001" in message.subject
        [(name, content, mimetype)] = message.attachments
        assert name == "audit-record-106-1-001.pdf" and mimetype == "application/pdf"
        assert content.startswith(b"%PDF") and content == record.pdf.open("rb").read()
    logged = OutboundEmail.objects.filter(dedupe_key__startswith=f"auditrecord:{record.pk}:")
    assert logged.count() == 3 and set(logged.values_list("status", flat=True)) == {"sent"}


def test_a_refusing_mail_server_is_retried_and_its_failure_shown(
    people, worker, settings, client, monkeypatch
):
    from tests.support import FlakyEmailBackend

    settings.MAILERS = {"default": {"BACKEND": "tests.support.FlakyEmailBackend"}}
    monkeypatch.setattr(FlakyEmailBackend, "failures", 100)
    version = reviewing(people)
    record = _flag_service_and_issue(people, version)
    worker()
    assert AuditRecord.objects.count() == 1  # the record stands whatever the mail does
    logged = OutboundEmail.objects.filter(dedupe_key__startswith=f"auditrecord:{record.pk}:")
    assert set(logged.values_list("status", flat=True)) == {"retrying"}
    assert all("SMTPServerDisconnected" in e.last_error for e in logged)
    client.force_login(people.office)
    with time_machine.travel(REVIEW_DAY, tick=False):
        page = client.get(f"/alliances/{people.alliance.pk}/filings/106/first/review/")
    html = page.content.decode()
    assert html.count("寄送失敗，將重試") == 3 and "SMTPServerDisconnected" in html


def test_no_flags_gives_a_no_findings_record_and_accepts_the_filing(people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        record = review.audit_record_issue(filing=version.filing, by=people.office)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    assert filing.state == FilingState.ACCEPTED and not record.has_findings
    assert record.correction_due is None
    assert "無查核意見" in pdf_text(record.pdf.read())
    # Accepted is final: no mark, no issue, no submission, no return.
    with time_machine.travel(REVIEW_DAY, tick=False):
        with pytest.raises(filings.FilingError):
            review.mark_save(
                version=version, by=people.office, code="M-COMPANY", verdict="accepted"
            )
        with pytest.raises(filings.FilingError, match="已開立"):
            review.audit_record_issue(filing=filing, by=people.office)
        with pytest.raises(filings.FilingError):
            filings.filing_submit(
                filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
            )
        with pytest.raises(filings.FilingError):
            filings.filing_return(filing=filing, by=people.office, comment="再改")


def test_only_the_office_reopens_an_accepted_filing_with_a_reason_and_it_is_audited(people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)
    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    with time_machine.travel(at(2018, 3, 1), tick=False):
        with pytest.raises(filings.FilingError):
            review.filing_reopen(
                filing=filing, by=people.office, reason=" ", correction_due=dt.date(2018, 3, 15)
            )
        with pytest.raises(filings.FilingError):  # a past deadline
            review.filing_reopen(
                filing=filing,
                by=people.office,
                reason="金額誤植",
                correction_due=dt.date(2018, 2, 1),
            )
        with pytest.raises(filings.FilingError):
            review.filing_reopen(
                filing=filing, by=people.pi, reason="我要改", correction_due=dt.date(2018, 3, 15)
            )
        review.filing_reopen(
            filing=filing, by=people.office, reason="金額誤植", correction_due=dt.date(2018, 3, 15)
        )
    filing.refresh_from_db()
    assert filing.state == FilingState.RETURNED and filing.correction_due == dt.date(2018, 3, 15)
    event = AuditEvent.objects.get(action="filing.reopened")
    assert event.actor == people.office and event.reason == "金額誤植"
    assert event.before == {"state": "accepted"}


def test_issuing_refuses_bad_input_with_a_message_and_keeps_nothing(people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        with pytest.raises(filings.FilingError, match="標記"):  # items not marked yet
            review.audit_record_issue(filing=version.filing, by=people.office)
        with pytest.raises(filings.FilingError, match="理由"):  # a flag without a reason
            review.mark_save(
                version=version, by=people.office, code="R-FEE", verdict="flagged", reason=" "
            )
        review.mark_save(
            version=version, by=people.office, code="R-FEE", verdict="flagged", reason="請補件"
        )
        review.accept_unmarked(version=version, by=people.office)
        with pytest.raises(filings.FilingError, match="過去"):
            review.audit_record_issue(
                filing=version.filing, by=people.office, correction_due=dt.date(2017, 11, 1)
            )
        with pytest.raises(filings.FilingError):
            review.audit_record_issue(filing=version.filing, by=people.viewer)
    assert not AuditRecord.objects.exists()
    assert version.filing.__class__.objects.get(pk=version.filing.pk).state == "under_review"


def test_a_failure_after_the_pdf_is_stored_keeps_no_record_no_file_no_state_change(
    people, monkeypatch, settings
):
    version = reviewing(people)
    folder = settings.PRIVATE_MEDIA_ROOT / "audit-records"
    before = set(folder.rglob("*.pdf")) if folder.exists() else set()

    def mail_down(*args, **kwargs):
        raise RuntimeError("mail log unavailable")

    from kpi.review.services import records

    monkeypatch.setattr(records, "_send_record", mail_down)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        with pytest.raises(RuntimeError):
            review.audit_record_issue(filing=version.filing, by=people.office)
    assert not AuditRecord.objects.exists()
    assert (set(folder.rglob("*.pdf")) if folder.exists() else set()) == before
    version.filing.refresh_from_db()
    assert version.filing.state == FilingState.UNDER_REVIEW


def test_a_double_click_on_issue_gives_one_record_and_a_clear_message(people):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.accept_unmarked(version=version, by=people.office)
        review.audit_record_issue(filing=version.filing, by=people.office)
        with pytest.raises(filings.FilingError, match="106-1-001"):
            review.audit_record_issue(filing=version.filing, by=people.office)
    assert AuditRecord.objects.count() == 1


def test_two_reviewers_never_overwrite_each_others_marks(people, make_user):
    from accounts.models import ProgrammeRole
    from tests.conftest import give_mfa

    second = give_mfa(
        make_user("office2@example.org", name="趙專員", programme_role=ProgrammeRole.OFFICE)
    )
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        # Both open the page: no marks yet (revision 0 everywhere).
        review.mark_save(
            version=version,
            by=people.office,
            code="R-FEE",
            verdict="flagged",
            reason="會費收據不足",
            expected_revision=0,
        )
        with pytest.raises(review.StaleMark, match="王專員"):
            review.mark_save(
                version=version, by=second, code="R-FEE", verdict="accepted", expected_revision=0
            )
        review.mark_save(
            version=version,
            by=second,
            code="O-PATENT-A",
            verdict="flagged",
            reason="專利申請號不符",
            expected_revision=0,
        )
    marks = {m.code: (m.verdict, m.by) for m in ReviewMark.objects.all()}
    assert marks == {
        "R-FEE": ("flagged", people.office),
        "O-PATENT-A": ("flagged", second),
    }


def test_internal_notes_stay_in_the_office(people, client):
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        review.filing_note(
            filing=version.filing, by=people.office, text="內部：下週再看", internal=True
        )
        review.filing_note(
            filing=version.filing, by=people.office, text="請備妥合約正本", internal=False
        )
    url = f"/alliances/{people.alliance.pk}/filings/106/first/"
    client.force_login(people.pi)
    html = client.get(url).content.decode()
    assert "請備妥合約正本" in html and "內部：下週再看" not in html
    client.force_login(people.office)
    html = client.get(url + "review/").content.decode()
    assert "請備妥合約正本" in html and "內部：下週再看" in html


def test_expected_outcomes_are_reviewed_returned_and_accepted_without_a_numbered_record(people):
    from tests.filing_helpers import full_targets, submitted_expected

    version = submitted_expected(people)
    filing = version.filing
    with time_machine.travel(at(2017, 5, 10), tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        review.mark_save(
            version=version,
            by=people.office,
            code="R-FEE",
            verdict="flagged",
            reason="會費目標過低",
            rule="P2",
        )
        with pytest.raises(filings.FilingError):
            review.audit_record_issue(filing=filing, by=people.office)
        filings.filing_return(filing=filing, by=people.office, comment="請調整會費目標")
    filing.refresh_from_db()
    assert filing.state == FilingState.RETURNED
    assert filing.correction_due == dt.date(2017, 6, 30)  # May–June
    with time_machine.travel(at(2017, 6, 1), tick=False):
        filings.targets_save(filing=filing, by=people.pi, targets=full_targets(5))
        filings.filing_submit(
            filing=filing, by=people.pi, certified_name=people.pi.name, confirmed=True
        )
        filings.filing_review_start(filing=filing, by=people.office)
        filings.filing_accept(filing=filing, by=people.office)
    targets, source = filing_selectors.year_targets(people.alliance_years[106])
    assert source == "accepted" and targets["R-FEE"] == 5
    assert not AuditRecord.objects.exists()


def test_the_annual_assessment_follows_the_second_filing(people, client):
    ay = people.alliance_years[106]
    with (
        time_machine.travel(at(2018, 2, 10), tick=False),
        pytest.raises(filings.FilingError, match="第二次"),
    ):
        review.assessment_save(
            alliance_year=ay, by=people.office, outcome="continue", reasons="達標"
        )
    from kpi.models import Filing, FilingVersion

    second = Filing.objects.create(alliance_year=ay, kind=FilingKind.SECOND, state="submitted")
    FilingVersion.objects.create(
        filing=second,
        number=1,
        submitted_at=at(2018, 1, 30),
        certified_name="林主持人",
        statement="…",
    )
    with time_machine.travel(at(2018, 2, 20), tick=False):
        with pytest.raises(filings.FilingError, match="條件"):
            review.assessment_save(
                alliance_year=ay, by=people.office, outcome="conditions", reasons="會員不足"
            )
        with pytest.raises(filings.FilingError):
            review.assessment_save(
                alliance_year=ay, by=people.pi, outcome="continue", reasons="自評"
            )
        review.assessment_save(
            alliance_year=ay,
            by=people.office,
            outcome="conditions",
            reasons="廠商會員未達目標",
            conditions="108 年會員數須達 15 家",
        )
    assessment = Assessment.objects.get()
    assert assessment.get_outcome_display() == "有條件繼續補助"
    client.force_login(people.pi)
    html = client.get(f"/alliances/{people.alliance.pk}/filings/106/").content.decode()
    assert "有條件繼續補助" in html and "108 年會員數須達 15 家" in html
    client.force_login(people.office)
    with time_machine.travel(at(2018, 2, 20), tick=False):
        overview = client.get("/office/review/106/second/").content.decode()
    row = overview.split(people.alliance.name_zh, 1)[1].split("</tr>", 1)[0]
    assert "有條件繼續補助" in row
