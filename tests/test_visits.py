"""Site visits: scheduling, invitations, the reviewers' forms, the consolidated result."""

from decimal import Decimal

import pytest
from django.core import mail

from inspections import selectors, services
from inspections.models import FormStatus, VisitStatus
from inspections.services import VisitError
from tests.visit_helpers import (
    KNOWN_RESULT,
    KNOWN_SCORE,
    KNOWN_SCORES,
    POINTS,
    fill,
    filled_visit,
    schedule,
)


def test_three_known_forms_consolidate_to_the_right_mean_minimum_and_maximum(people):
    visit = filled_visit(people)
    result = selectors.consolidate(visit)
    assert result.count == 3
    got = {p.point: (str(p.mean), p.low, p.high) for p in result.points}
    assert got == KNOWN_RESULT
    assert str(result.score) == KNOWN_SCORE
    visit = services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    assert visit.status == VisitStatus.CONSOLIDATED and visit.score == Decimal(KNOWN_SCORE)


def test_fewer_than_three_submitted_forms_cannot_be_consolidated(people):
    visit = schedule(people)
    forms = list(visit.forms.order_by("pk"))
    fill(forms[0], KNOWN_SCORES[0])
    fill(forms[1], KNOWN_SCORES[1])
    fill(forms[2], KNOWN_SCORES[2], submit=False)
    with pytest.raises(VisitError, match="目前已送出 2 份審查表"):
        services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED and visit.score is None


def test_a_score_out_of_the_years_scale_is_refused_and_nothing_is_saved(people):
    visit = schedule(people)
    form = visit.forms.order_by("pk").first()
    with pytest.raises(VisitError, match="1.*5"):
        fill(form, [4, 5, 3, 2, 4, 6, 1])
    assert not form.scores.exists()
    form.refresh_from_db()
    assert form.status == FormStatus.DRAFT


def test_a_submitted_form_is_locked_until_the_office_returns_it(people):
    visit = schedule(people)
    form = visit.forms.order_by("pk").first()
    fill(form, KNOWN_SCORES[0])
    with pytest.raises(VisitError, match="已送出並鎖定"):
        fill(form, KNOWN_SCORES[1])
    services.form_return(form=form, by=people.office, reason="請補充第四項意見")
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED
    fill(form, KNOWN_SCORES[1])
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    assert [s.score for s in form.scores.order_by("pk")] == KNOWN_SCORES[1]


def test_scheduling_invites_everyone_with_an_ics(people, worker):
    schedule(people)
    worker()
    invited = {m.to[0] for m in mail.outbox}
    assert {"reviewer@example.org", "reviewer2@example.org", "reviewer3@example.org"} <= invited
    assert {"office@example.org", "pi@example.org", "copi@example.org"} <= invited
    assert "assistant@example.org" not in invited
    for message in mail.outbox:
        [(name, content, mimetype)] = message.attachments
        assert name == "site-visit.ics" and mimetype.startswith("text/calendar")
        assert "BEGIN:VEVENT" in content and "DTSTART:20170315T020000Z" in content


def test_the_score_is_the_mean_of_the_exact_point_means_rounded_once(people):
    # Point means 2.33 3.00 4.33 4.67 3.33 3.00 2.33: their rounded values average 3.2843
    # (3.28), the exact ones 69/21 = 3.2857 (3.29).
    visit = schedule(people)
    forms = list(visit.forms.order_by("pk"))
    for form, scores in zip(
        forms, [[3, 1, 4, 5, 1, 2, 3], [1, 3, 5, 4, 5, 2, 3], [3, 5, 4, 5, 4, 5, 1]], strict=True
    ):
        fill(form, scores)
    result = selectors.consolidate(visit)
    assert [str(p.mean) for p in result.points] == [
        "2.33",
        "3.00",
        "4.33",
        "4.67",
        "3.33",
        "3.00",
        "2.33",
    ]
    assert str(result.score) == "3.29"


def test_forms_of_a_cancelled_visit_are_closed(people):
    visit = schedule(people)
    form = visit.forms.order_by("pk").first()
    services.visit_cancel(visit=visit, by=people.office, reason="颱風停班")
    with pytest.raises(VisitError, match="已取消"):
        fill(form, KNOWN_SCORES[0])
    assert not form.scores.exists()


def test_a_returned_form_blocks_the_result_until_resubmitted(people):
    visit = schedule(people, n_reviewers=4)
    forms = list(visit.forms.order_by("pk"))
    for form, scores in zip(forms, [*KNOWN_SCORES, KNOWN_SCORES[0]], strict=True):
        fill(form, scores)
    form = forms[0]
    services.form_return(form=form, by=people.office, reason="請確認第六項")
    with pytest.raises(VisitError, match="尚未送出"):
        services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    fill(form, KNOWN_SCORES[0])
    services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")


def test_a_cancelled_or_weak_visit_cannot_be_chosen_as_outstanding(people):
    visit = schedule(people)
    services.visit_cancel(visit=visit, by=people.office, reason="改期")
    with pytest.raises(VisitError):
        services.award_select(visit=visit, by=people.office)
    weak = filled_visit(people)
    weak = services.visit_consolidate(visit=weak, by=people.office, outcome="stop", note="")
    with pytest.raises(VisitError, match="停止補助"):
        services.award_select(visit=weak, by=people.office)


def test_a_resubmitted_form_keeps_what_it_replaced_in_the_audit_trail(people):
    from core.models import AuditEvent

    visit = schedule(people)
    form = visit.forms.order_by("pk").first()
    fill(form, KNOWN_SCORES[0])
    services.form_return(form=form, by=people.office, reason="請再確認")
    fill(form, KNOWN_SCORES[1])
    last = AuditEvent.objects.filter(action="visit.form_submitted").order_by("pk").last()
    assert last.before["scores"] == dict(zip(POINTS, KNOWN_SCORES[0], strict=True))
    assert last.after["scores"] == dict(zip(POINTS, KNOWN_SCORES[1], strict=True))
    assert last.before["status"] == "returned" and last.after["status"] == "submitted"
