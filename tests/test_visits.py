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
    with pytest.raises(VisitError, match="2"):
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
