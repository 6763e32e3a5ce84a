"""Two office users issue the audit record of one filing at the same moment (PostgreSQL):
exactly one record exists, with one number; the other is told it was already issued."""

import threading

import pytest
import time_machine
from django.db import connection

from kpi.filings import selectors as filing_selectors
from kpi.filings.services import FilingError
from kpi.models import AuditRecord, FilingKind, FilingState
from kpi.review import services as review
from tests.review_helpers import REVIEW_DAY, reviewing


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL, which CI runs")


def test_two_simultaneous_issues_create_exactly_one_audit_record(postgresql, people, make_user):
    from accounts.models import ProgrammeRole
    from tests.conftest import give_mfa

    colleague = give_mfa(
        make_user("office2@example.org", name="趙專員", programme_role=ProgrammeRole.OFFICE)
    )
    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=True):
        review.mark_save(
            version=version, by=people.office, code="R-FEE", verdict="flagged", reason="請補收據"
        )
        review.accept_unmarked(version=version, by=people.office)
    ay = people.alliance_years[106]
    start = threading.Barrier(2)
    results, errors = [], []

    def issue(user):
        try:
            start.wait(10)
            results.append(
                review.audit_record_issue(
                    filing=filing_selectors.filing_of(ay, FilingKind.FIRST), by=user
                )
            )
        except FilingError as error:
            errors.append(str(error))
        finally:
            connection.close()

    with time_machine.travel(REVIEW_DAY, tick=True):
        threads = [threading.Thread(target=issue, args=(u,)) for u in (people.office, colleague)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert len(results) == 1 and len(errors) == 1, (results, errors)
    assert "106-1-001" in errors[0]  # "already issued", with the number
    assert AuditRecord.objects.count() == 1
    assert filing_selectors.filing_of(ay, FilingKind.FIRST).state == FilingState.RETURNED
    assert results[0].filing.transitions.filter(to_state="returned").count() == 1


def test_two_reviewers_marking_at_once_keep_both_marks(postgresql, people, make_user):
    from accounts.models import ProgrammeRole
    from kpi.models import ReviewMark
    from tests.conftest import give_mfa

    colleague = give_mfa(
        make_user("office2@example.org", name="趙專員", programme_role=ProgrammeRole.OFFICE)
    )
    version = reviewing(people)
    start = threading.Barrier(3)
    outcomes = []

    def mark(user, code, verdict):
        try:
            start.wait(10)
            review.mark_save(
                version=version,
                by=user,
                code=code,
                verdict=verdict,
                reason="請補件",
                expected_revision=0,
            )
            outcomes.append((user.email, code, "saved"))
        except review.StaleMark:
            outcomes.append((user.email, code, "stale"))
        finally:
            connection.close()

    jobs = [
        (people.office, "R-FEE", "flagged"),
        (colleague, "O-PATENT-A", "flagged"),
        (colleague, "R-FEE", "accepted"),  # the same item as the first: one of them wins
    ]
    with time_machine.travel(REVIEW_DAY, tick=True):
        threads = [threading.Thread(target=mark, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    saved = sorted(o for o in outcomes if o[2] == "saved")
    assert len(outcomes) == 3 and len(saved) == 2, outcomes
    assert ("office2@example.org", "O-PATENT-A", "saved") in saved
    fee = ReviewMark.objects.get(code="R-FEE")
    assert fee.revision == 1  # saved once: the later one was refused, not written over it
    assert set(ReviewMark.objects.values_list("code", flat=True)) == {"R-FEE", "O-PATENT-A"}
