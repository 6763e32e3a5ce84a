"""Site-visit reviewers without conflicts of interest (issue 28, point 3): a reviewer's
affiliations, the refusal when the office assigns a reviewer tied to the alliance (or the
override with its recorded reason), and the reviewer's declaration before their form (no
conflict; or a conflict, which withdraws them), as the office sees it."""

import pytest
from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from core.models import AuditEvent, OutboundEmail
from inspections import conflicts, services
from inspections.models import (
    ConflictDeclaration,
    FormStatus,
    ReviewerAffiliation,
    ReviewForm,
    SiteVisit,
)
from inspections.services import VisitError
from tests.visit_helpers import KNOWN_SCORES, POINTS, fill, reviewers, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals read in English here (pages through the language cookie)."""
    with translation.override("en"):
        yield


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _visit_post(people, three, **changes):
    data = {
        "alliance_year": people.alliance_years[106].pk,
        "date": "106.03.15",
        "time": "10:00",
        "place": "",
        "reviewers": [u.pk for u in three],
        "staff": [people.office.pk],
        "item_0": "綜合座談",
        "minutes_0": "30",
    }
    data.update(changes)
    return data


# --- names compared --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "executing", "same"),
    [
        ("國立成功大學", "國立成功大學", True),
        ("成功大學", "國立成功大學", True),  # without 國立
        ("國立成功大學 機械工程學系", "國立成功大學", True),  # a department of it
        ("國立台灣大學", "國立臺灣大學", True),  # 台 and 臺
        ("ＮＴＵ", "ntu", True),  # full-width, case
        ("國立臺灣科技大學", "國立臺灣大學", False),
        ("國立臺北大學", "國立臺北科技大學", False),
        ("", "國立成功大學", False),
    ],
)
def test_institutions_are_compared_normalised(declared, executing, same):
    assert conflicts.same_institution(declared, executing) is same


# --- affiliations ----------------------------------------------------------------------


def test_a_reviewer_keeps_their_institutions_and_firms_on_their_page(client, people):
    english(client).force_login(people.reviewer)
    url = reverse("reviewer_affiliations")
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "institution", "name": " 國立清華大學 ", "tie": "works"})
    assert response.status_code == 302
    # A firm by its 統一編號 is linked to the registry's firm.
    client.post(url, {"kind": "firm", "name": people.firm.ubn, "tie": "advises"})
    firm = ReviewerAffiliation.objects.get(reviewer=people.reviewer, kind="firm")
    assert firm.firm == people.firm and firm.ubn == people.firm.ubn
    page = client.get(url).content.decode()
    assert "國立清華大學" in page and people.firm.name in page and "Advises or consults" in page
    # Bad input: an invalid UBN, a duplicate, nothing at all — a message, nothing saved.
    bad = client.post(url, {"kind": "firm", "name": "12345678", "tie": "works"})
    assert bad.status_code == 400 and "not a valid unified business number" in bad.content.decode()
    dup = client.post(url, {"kind": "institution", "name": "國立清華大學", "tie": "works"})
    assert dup.status_code == 400 and "already listed" in dup.content.decode()
    empty = client.post(url, {"kind": "nonsense", "name": "", "tie": "works"})
    assert empty.status_code == 400 and "Check the form" in empty.content.decode()
    assert ReviewerAffiliation.objects.filter(reviewer=people.reviewer).count() == 2
    assert AuditEvent.objects.filter(action="reviewer.affiliation_added").count() == 2
    # Another reviewer cannot remove it; its own reviewer can.
    delete = reverse("affiliation_delete", kwargs={"affiliation_id": firm.pk})
    client.force_login(people.other_reviewer)
    assert client.post(delete).status_code == 404
    client.force_login(people.reviewer)
    assert client.post(delete)["Location"] == url
    assert not ReviewerAffiliation.objects.filter(pk=firm.pk).exists()
    assert AuditEvent.objects.filter(action="reviewer.affiliation_removed").count() == 1


def test_the_office_keeps_a_reviewers_affiliations_and_the_department_reads_them(client, people):
    english(client).force_login(people.office)
    url = reverse("office_reviewer", kwargs={"uid": people.reviewer.pk})
    client.post(url, {"kind": "institution", "name": "國立成功大學", "tie": "works"})
    assert ReviewerAffiliation.objects.get(reviewer=people.reviewer).created_by == people.office
    listing = client.get(reverse("office_reviewers")).content.decode()
    assert "國立成功大學" in listing and people.reviewer.name in listing
    client.force_login(people.viewer)
    assert "國立成功大學" in client.get(url).content.decode()
    assert client.post(url, {"kind": "institution", "name": "x", "tie": "works"}).status_code == 404
    # Only reviewers have affiliations.
    client.force_login(people.office)
    other = reverse("office_reviewer", kwargs={"uid": people.pi.pk})
    assert client.get(other).status_code == 404


# --- assigning -------------------------------------------------------------------------


def test_assigning_a_reviewer_of_the_executing_institution_is_refused_with_the_reason(people):
    services.affiliation_add(
        reviewer=people.reviewer,
        by=people.reviewer,
        kind="institution",
        tie="works",
        name="成功大學機械系",
    )
    with pytest.raises(VisitError) as refused:
        schedule(people)
    message = str(refused.value)
    assert people.reviewer.name in message and "成功大學機械系" in message
    assert not SiteVisit.objects.exists()


def test_assigning_a_reviewer_tied_to_a_member_firm_is_refused(client, people):
    # Declared by name only: matched to the member firm of 106 by its normalised name.
    services.affiliation_add(
        reviewer=people.reviewer,
        by=people.office,
        kind="firm",
        tie="advises",
        name="精密機械股份有限公司",
    )
    found = conflicts.conflicts_for(people.alliance_years[106], [people.reviewer])
    assert [c.kind for c in found[people.reviewer.pk]] == ["firm"]
    english(client).force_login(people.office)
    three = reviewers(people)
    response = client.post(reverse("visit_new") + "?year=106", _visit_post(people, three))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Conflict of interest" in page and people.firm.name in page
    assert people.reviewer.name in page
    assert not SiteVisit.objects.exists()
    # The other alliance has no such member: no conflict there.
    other_ay = people.other_alliance.years.get(programme_year__roc_year=106)
    assert conflicts.conflicts_for(other_ay, [people.reviewer]) == {}


def test_the_office_overrides_a_conflict_with_a_recorded_reason(client, people):
    services.affiliation_add(
        reviewer=people.reviewer,
        by=people.reviewer,
        kind="firm",
        tie="works",
        name=people.firm.ubn,
    )
    english(client).force_login(people.office)
    three = reviewers(people)
    url = reverse("visit_new") + "?year=106"
    # Ticked without a reason, or with too long a reason: a message, nothing saved.
    no_reason = client.post(url, _visit_post(people, three, override="on"))
    assert no_reason.status_code == 400
    assert "Give the reason for assigning despite the conflict" in no_reason.content.decode()
    too_long = client.post(
        url, _visit_post(people, three, override="on", override_reason="x" * 501)
    )
    assert too_long.status_code == 400 and not SiteVisit.objects.exists()
    # A reason without the box ticked does not count.
    unticked = client.post(url, _visit_post(people, three, override_reason="只有他懂"))
    assert unticked.status_code == 400 and not SiteVisit.objects.exists()
    response = client.post(
        url, _visit_post(people, three, override="on", override_reason="本領域僅三位委員可聘")
    )
    assert response.status_code == 302
    visit = SiteVisit.objects.get()
    form = visit.forms.get(reviewer=people.reviewer)
    assert form.override_reason == "本領域僅三位委員可聘" and form.overridden_by == people.office
    assert form.override_conflicts == [{"kind": "firm", "name": people.firm.name, "tie": "works"}]
    # The others had no conflict: nothing kept with them.
    assert not visit.forms.exclude(reviewer=people.reviewer).exclude(override_reason="").exists()
    event = AuditEvent.objects.get(action="visit.conflict_overridden")
    assert event.reason == "本領域僅三位委員可聘" and event.after["reviewer"] == people.reviewer.pk
    page = client.get(response["Location"]).content.decode()
    assert "Assigned despite a conflict of interest" in page and "本領域僅三位委員可聘" in page


def test_adding_a_conflicted_reviewer_to_a_visit_is_refused_too(people):
    visit = schedule(people, n_reviewers=2)
    services.affiliation_add(
        reviewer=people.other_reviewer,
        by=people.office,
        kind="institution",
        tie="other",
        name="國立成功大學",
    )
    change = {
        "visit": visit,
        "starts_at": visit.starts_at,
        "place": visit.place,
        "agenda": visit.agenda,
        "reviewers": [*reviewers(people, 2), people.other_reviewer],
        "staff": [people.office],
        "by": people.office,
    }
    with pytest.raises(VisitError, match=people.other_reviewer.name):
        services.visit_change(**change)
    assert visit.forms.count() == 2
    services.visit_change(**change, override_reason="利益迴避已由主管確認無虞")
    assert visit.forms.get(reviewer=people.other_reviewer).is_overridden
    # A reviewer already assigned is not checked again when the visit changes.
    services.visit_change(**change)


# --- the reviewer's declaration ----------------------------------------------------------


def test_a_reviewer_declares_no_conflict_before_the_form_opens(client, people):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    english(client).force_login(people.reviewer)
    url = reverse("visit_form", kwargs={"vid": visit.pk})
    page = client.get(url).content.decode()
    assert "I declare that I have no conflict of interest" in page and 'name="score_' not in page
    # Posting the form before declaring saves nothing.
    data = {f"score_{p}": "3" for p in POINTS} | {"recommendation": "continue", "save": "1"}
    assert client.post(url, data).status_code == 400
    assert not form.scores.exists()
    with pytest.raises(VisitError, match="no conflict of interest"):
        services.form_save(
            form=form, by=people.reviewer, scores={}, recommendation="", comment="", submit=False
        )
    declare = reverse("visit_declare", kwargs={"vid": visit.pk})
    assert client.post(declare, {"answer": "maybe"})["Location"] == url  # refused, told
    assert not ConflictDeclaration.objects.exists()
    assert client.post(declare, {"answer": "none"})["Location"] == url
    declaration = ConflictDeclaration.objects.get()
    assert declaration.form == form and not declaration.conflict and declaration.declared_at
    assert AuditEvent.objects.filter(action="visit.no_conflict_declared").count() == 1
    assert 'name="score_' in client.get(url).content.decode()
    assert client.post(url, data).status_code == 302
    # Declaring again changes nothing; another reviewer cannot declare for this form.
    client.post(declare, {"answer": "none"})
    assert ConflictDeclaration.objects.count() == 1
    client.force_login(people.other_reviewer)
    assert client.post(declare, {"answer": "none"}).status_code == 404
    # The office sees the declaration on the visit page; a form without one reads so.
    client.force_login(people.office)
    detail = client.get(reverse("visit_detail", kwargs={"vid": visit.pk})).content.decode()
    assert "No conflict, declared" in detail and "Not declared yet" in detail


def test_a_reviewer_with_a_conflict_is_withdrawn_and_the_office_told(client, people, worker):
    visit = schedule(people)
    forms = list(visit.forms.order_by("pk"))
    fill(forms[1], KNOWN_SCORES[1])
    fill(forms[2], KNOWN_SCORES[2])
    mine = forms[0]
    assert mine.reviewer == people.reviewer
    english(client).force_login(people.reviewer)
    declare = reverse("visit_declare", kwargs={"vid": visit.pk})
    # A conflict needs its description (at most 500 characters).
    assert client.post(declare, {"answer": "conflict", "description": " "}).status_code == 302
    assert client.post(declare, {"answer": "conflict", "description": "x" * 501}).status_code == 302
    assert ReviewForm.objects.filter(pk=mine.pk).exists()
    response = client.post(declare, {"answer": "conflict", "description": "曾任該聯盟會員廠商顧問"})
    assert response["Location"] == reverse("visit_list")
    assert not ReviewForm.objects.filter(pk=mine.pk).exists()
    declaration = ConflictDeclaration.objects.get(conflict=True)
    assert declaration.reviewer == people.reviewer and declaration.visit == visit
    assert declaration.description == "曾任該聯盟會員廠商顧問"
    event = AuditEvent.objects.get(action="visit.conflict_declared")
    assert event.reason == "曾任該聯盟會員廠商顧問" and event.before["form"] == mine.pk
    # The office is told; the reviewer's calendar drops the visit; they no longer see it.
    told = OutboundEmail.objects.get(template="visit_conflict_declared")
    assert told.to == [people.office.email] and "曾任該聯盟會員廠商顧問" in told.body_text
    assert OutboundEmail.objects.filter(
        template="visit_invitation", to=[people.reviewer.email], dedupe_key__contains="cancellation"
    ).exists()
    assert client.get(reverse("visit_detail", kwargs={"vid": visit.pk})).status_code == 404
    # The office sees the withdrawal; the result cannot be recorded on two forms.
    client.force_login(people.office)
    detail = client.get(reverse("visit_detail", kwargs={"vid": visit.pk})).content.decode()
    assert "Withdrawn" in detail and "曾任該聯盟會員廠商顧問" in detail
    assert "withdrew for a conflict of interest" in detail
    with pytest.raises(VisitError, match="2 of the forms are submitted"):
        services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    # Assigning them again is a conflict (the one they declared); another reviewer is not.
    change = {
        "visit": visit,
        "starts_at": visit.starts_at,
        "place": visit.place,
        "agenda": visit.agenda,
        "staff": [people.office],
        "by": people.office,
    }
    others = [f.reviewer for f in forms[1:]]
    with pytest.raises(VisitError, match="曾任該聯盟會員廠商顧問"):
        services.visit_change(**change, reviewers=[*others, people.reviewer])
    services.visit_change(**change, reviewers=[*others, people.other_reviewer])
    fill(visit.forms.get(reviewer=people.other_reviewer), KNOWN_SCORES[0])
    visit = services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    assert visit.status == "consolidated"


def test_a_submitted_form_cannot_be_withdrawn_and_a_closed_visit_takes_no_declaration(people):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    fill(form, KNOWN_SCORES[0])
    with pytest.raises(VisitError, match="return it"):
        services.declare_conflict(form=form, by=people.reviewer, description="後來才想到")
    assert ReviewForm.objects.get(pk=form.pk).status == FormStatus.SUBMITTED
    services.visit_cancel(visit=visit, by=people.office, reason="改期")
    other = ReviewForm.objects.exclude(pk=form.pk).filter(visit=visit).first()
    with pytest.raises(VisitError):
        services.declare_no_conflict(form=other, by=other.reviewer)
    with pytest.raises(Http404):
        services.declare_no_conflict(form=other, by=people.reviewer)
