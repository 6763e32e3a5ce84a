"""The site-visit pages: scheduling with warnings, bad input answered with a message and
nothing saved, the reviewer's form, the office's result and actions, what the alliance
sees, and bounded queries."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from core.models import AuditEvent, OutboundEmail
from inspections import services
from inspections.models import FormStatus, ReviewForm, SiteVisit, VisitStatus
from tests.visit_helpers import (
    KNOWN_SCORES,
    POINTS,
    TAIPEI,
    declare,
    fill,
    filled_visit,
    reviewers,
    schedule,
    shared_visit,
)


def _schedule_post(people, **changes):
    three = reviewers(people)
    data = {
        "alliance_year": people.alliance_years[106].pk,
        "date": "106.03.15",
        "time": "10:00",
        "place": "",
        "reviewers": [u.pk for u in three],
        "staff": [people.office.pk, people.viewer.pk],
        "item_0": "聯盟簡報及核心技術現場展示",
        "minutes_0": "30",
        "item_1": "綜合座談",
        "minutes_1": "30",
    }
    data.update(changes)
    return data


def test_the_office_schedules_a_visit_and_everyone_is_invited(client, people, worker):
    client.force_login(people.office)
    page = client.get(reverse("visit_new") + "?year=106").content.decode()
    assert (
        people.alliance.name_zh in page and "聯盟簡報及核心技術現場展示" in page
    )  # default agenda
    response = client.post(reverse("visit_new") + "?year=106", _schedule_post(people))
    visit = SiteVisit.objects.get()
    assert response["Location"] == reverse("visit_detail", kwargs={"vid": visit.pk})
    assert visit.place == people.alliance.institution  # the institution by default
    assert visit.minutes == 60 and visit.ends_at - visit.starts_at == dt.timedelta(minutes=60)
    assert visit.forms.count() == 3
    assert AuditEvent.objects.filter(action="visit.scheduled").count() == 1
    worker()
    assert len(mail.outbox) == 7  # 3 reviewers, 2 staff, the PI and the co-PI
    detail = client.get(response["Location"]).content.decode()
    # Warnings, not refusals: two staff, no member-firm representatives.
    assert "目前列出 2 位計畫辦公室及產學司人員" in detail
    assert "目前列出 0 位會員廠商代表" in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": "107.03.15"}, "106 年度的查訪須在 106.02.01 至 107.01.31 之間"),
        ({"date": "明天"}, "請輸入民國日期"),
        ({"minutes_1": "0"}, "議程項目至少 1 分鐘"),
        ({"minutes_1": ""}, "請填寫此項目的分鐘數"),
    ],
)
def test_a_bad_schedule_says_what_to_fix_and_saves_nothing(client, people, changes, message):
    client.force_login(people.office)
    response = client.post(reverse("visit_new") + "?year=106", _schedule_post(people, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SiteVisit.objects.exists() and not OutboundEmail.objects.exists()


def test_a_reviewer_on_the_alliances_team_is_refused(client, people):
    from alliances.models import AllianceRole

    AllianceRole.objects.create(
        alliance=people.alliance, user=people.reviewer, role="co_pi", status="active"
    )
    client.force_login(people.office)
    response = client.post(reverse("visit_new") + "?year=106", _schedule_post(people))
    assert response.status_code == 400
    assert "是本聯盟團隊成員，不能擔任查訪委員" in response.content.decode()
    assert not SiteVisit.objects.exists()


def test_a_representative_of_a_firm_that_is_not_a_member_is_a_warning(client, people):
    visit = schedule(people)
    client.force_login(people.pi)
    url = reverse("visit_attendees", kwargs={"vid": visit.pk})
    client.post(url, {"kind": "member", "name": "王經理", "firm": people.firm.ubn})
    client.post(url, {"kind": "member", "name": "陳協理", "firm": "不存在科技股份有限公司"})
    response = client.post(url, {"kind": "member", "name": "李董", "firm": ""})
    assert (
        response.status_code == 400 and "請填寫會員廠商代表所屬的廠商" in response.content.decode()
    )
    page = client.get(url).content.decode()
    assert "陳協理 代表的 不存在科技股份有限公司 不是聯盟目前的會員廠商" in page
    assert "王經理 代表的" not in page  # a member of 106
    assert "目前列出 2 位會員廠商代表；應至少三位出席" in page
    assert visit.attendees.count() == 2


def test_the_reviewers_form_refuses_a_score_out_of_range_and_saves_nothing(client, people):
    visit = schedule(people)
    declare(visit, people.reviewer)
    client.force_login(people.reviewer)
    url = reverse("visit_form", kwargs={"vid": visit.pk})
    data = {f"score_{p}": "3" for p in POINTS} | {"score_kpi": "7", "recommendation": "continue"}
    response = client.post(url, data | {"submit": "1"})
    assert response.status_code == 400
    assert "評分範圍為 1 到 5 分" in response.content.decode()
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    assert form.status == FormStatus.DRAFT and not form.scores.exists()


def test_a_locked_form_cannot_be_changed_by_a_post(client, people):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    fill(form, KNOWN_SCORES[0])
    client.force_login(people.reviewer)
    url = reverse("visit_form", kwargs={"vid": visit.pk})
    data = {f"score_{p}": "1" for p in POINTS} | {"recommendation": "stop", "submit": "1"}
    response = client.post(url, data, follow=True)
    assert "此審查表已送出並鎖定" in response.content.decode()
    assert [s.score for s in form.scores.order_by("pk")] == KNOWN_SCORES[0]
    main = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    assert 'type="radio"' not in main and "<textarea" not in main
    assert 'name="submit"' not in main and 'name="save"' not in main


def test_the_office_returns_a_form_and_the_reviewer_is_emailed(client, people, worker):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    fill(form, KNOWN_SCORES[0])
    worker()
    mail.outbox.clear()
    client.force_login(people.office)
    url = reverse("visit_form_return", kwargs={"vid": visit.pk, "form_id": form.pk})
    assert client.post(url, {"reason": ""}).status_code == 400
    form.refresh_from_db()
    assert form.status == FormStatus.SUBMITTED
    client.post(url, {"reason": "請補充績效指標意見"})
    form.refresh_from_db()
    assert form.status == FormStatus.RETURNED
    worker()
    [message] = mail.outbox
    assert message.to == ["reviewer@example.org"] and "請補充績效指標意見" in message.body


def test_the_result_needs_three_submitted_forms(client, people):
    visit = schedule(people)
    forms = list(visit.forms.order_by("pk"))
    fill(forms[0], KNOWN_SCORES[0])
    fill(forms[1], KNOWN_SCORES[1])
    client.force_login(people.office)
    url = reverse("visit_consolidate", kwargs={"vid": visit.pk})
    response = client.post(url, {"outcome": "continue"})
    assert response.status_code == 400
    assert "目前已送出 2 份審查表；登錄結果至少需要三位委員已送出的審查表" in (
        response.content.decode()
    )
    fill(forms[2], KNOWN_SCORES[2])
    assert client.post(url, {"outcome": ""}).status_code == 400
    assert client.post(url, {"outcome": "continue", "note": "持續推廣"}).status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CONSOLIDATED and str(visit.score) == "3.48"


def test_the_result_page_shows_the_forms_side_by_side_and_the_consolidation(client, people):
    visit = filled_visit(people)
    client.force_login(people.viewer)
    page = client.get(reverse("visit_result", kwargs={"vid": visit.pk})).content.decode()
    for name in ("陳委員", "委員乙", "委員丙"):
        assert name in page
    assert "4.67" in page and "3.48" in page and "A:推動情形及成果意見" in page
    assert "登錄查訪結果" not in page  # the department reads, the office acts


def test_sharing_emails_the_pi_the_summary_without_reviewer_names(client, people, worker):
    visit = filled_visit(people, consolidate=True)
    worker()
    mail.outbox.clear()
    client.force_login(people.office)
    client.post(reverse("visit_share", kwargs={"vid": visit.pk}), {})
    worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["copi@example.org", "pi@example.org"]
    [(name, content, mimetype)] = mail.outbox[0].attachments
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    client.force_login(people.pi)
    page = client.get(reverse("visit_summary", kwargs={"vid": visit.pk})).content.decode()
    assert "委員 A" in page and "4.67" in page
    for name in ("陳委員", "委員乙", "委員丙", "reviewer@example.org"):
        assert name not in page
    detail = client.get(reverse("visit_detail", kwargs={"vid": visit.pk})).content.decode()
    assert "3 位委員" in detail and "陳委員" not in detail
    assert "查訪資料" not in detail  # the briefing is for the reviewers and the office
    pdf = client.get(reverse("visit_summary_pdf", kwargs={"vid": visit.pk}))
    assert b"".join(pdf.streaming_content) == content


def test_the_summary_is_hidden_from_the_alliance_until_shared(client, people):
    visit = filled_visit(people, consolidate=True)
    client.force_login(people.pi)
    assert client.get(reverse("visit_summary", kwargs={"vid": visit.pk})).status_code == 404
    assert client.get(reverse("visit_summary_pdf", kwargs={"vid": visit.pk})).status_code == 404


def test_changing_the_time_sends_an_update_and_a_removed_reviewer_a_cancellation(
    client, people, worker
):
    visit = schedule(people)
    worker()
    mail.outbox.clear()
    services.visit_change(
        visit=visit,
        starts_at=dt.datetime(2017, 3, 16, 14, 0, tzinfo=TAIPEI),
        place="成大工學院會議室",
        agenda=visit.agenda,
        reviewers=reviewers(people)[:2],
        staff=[people.office],
        by=people.office,
    )
    worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    removed = by_address["reviewer3@example.org"]
    assert "取消" in removed.subject and "METHOD:CANCEL" in removed.attachments[0][1]
    update = by_address["pi@example.org"]
    assert "變更" in update.subject and "SEQUENCE:1" in update.attachments[0][1]
    assert "成大工學院會議室" in update.body


def test_a_submitted_reviewer_cannot_be_removed_from_the_visit(people):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=reviewers(people)[2])
    fill(form, KNOWN_SCORES[0])
    with pytest.raises(services.VisitError, match="已送出"):
        services.visit_change(
            visit=visit,
            starts_at=visit.starts_at,
            place=visit.place,
            agenda=visit.agenda,
            reviewers=reviewers(people)[:2],
            staff=[people.office],
            by=people.office,
        )
    assert visit.forms.count() == 3


def test_the_years_scale_is_fixed_once_scored(client, people):
    from django.core.exceptions import ValidationError

    from alliances.services import programme_year_save

    year = people.alliance_years[106].programme_year
    year.visit_score_max = 10
    programme_year_save(year=year, by=people.office)  # nothing scored yet: fine
    visit = schedule(people)
    fill(visit.forms.first(), [9, 8, 7, 6, 5, 4, 10])
    year.visit_score_max = 5
    with pytest.raises(ValidationError, match="不可再變更"):
        programme_year_save(year=year, by=people.office)


def test_the_ics_link_gives_the_calendar_file(client, people):
    visit = schedule(people)
    client.force_login(people.copi)
    response = client.get(reverse("visit_ics", kwargs={"vid": visit.pk}))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "DTSTART:20170315T020000Z" in body and "DTEND:20170315T032500Z" in body
    assert "METHOD:PUBLISH" in body and "ATTENDEE" not in body
    assert "SUMMARY:實地查訪：智慧精密加工產學小聯盟" in body


def test_each_invitation_names_only_its_recipient(people, worker):
    schedule(people)
    worker()
    for message in mail.outbox:
        ics = message.attachments[0][1].replace("\r\n ", "")
        attendees = [line for line in ics.splitlines() if line.startswith("ATTENDEE")]
        assert len(attendees) == 1 and attendees[0].endswith(f"mailto:{message.to[0]}")
        assert "METHOD:REQUEST" in ics
    pi_copy = next(m for m in mail.outbox if m.to == ["pi@example.org"]).attachments[0][1]
    assert "reviewer" not in pi_copy and "陳委員" not in pi_copy


def test_a_reviewer_removed_and_added_again_is_invited_again(people, worker):
    visit = schedule(people)
    three = reviewers(people)

    def change(who):
        return services.visit_change(
            visit=visit,
            starts_at=visit.starts_at,
            place=visit.place,
            agenda=visit.agenda,
            reviewers=who,
            staff=[people.office],
            by=people.office,
        )

    change(three[:2])
    change(three)
    worker()
    to_third = [m for m in mail.outbox if m.to == ["reviewer3@example.org"]]
    kinds = [m.attachments[0][1].split("METHOD:")[1].split("\r\n")[0] for m in to_third]
    assert kinds == ["REQUEST", "CANCEL", "REQUEST"]
    sequences = [m.attachments[0][1].split("SEQUENCE:")[1].split("\r\n")[0] for m in to_third]
    assert sequences == ["0", "1", "2"]


def _many_visits(people, n):
    from alliances.models import Alliance, AllianceYear

    for i in range(n):
        alliance = Alliance.objects.create(
            name_zh=f"查訪測試聯盟{i}",
            field=people.alliance.field,
            institution="國立測試大學",
            team_type="single_lab",
            code=f"VT{i:03d}",
        )
        ay = AllianceYear.objects.create(
            alliance=alliance,
            programme_year=people.alliance_years[106].programme_year,
            phase=1,
            phase_year=2,
            subsidy=2_000_000,
            collaboration_weight=100,
        )
        visit = schedule(people, alliance_year=ay)
        for form, scores in zip(visit.forms.order_by("pk"), KNOWN_SCORES, strict=True):
            fill(form, scores)
        services.attendee_add(
            visit=visit, by=people.office, kind="member", name="甲", firm_text="x"
        )
        services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("office", "/office/visits/?year=106"),
        ("office", "/office/awards/106/"),
        ("reviewer", "/visits/"),
        ("reviewer", "/dashboard/"),
        ("office", "/office/visits/{vid}/result/"),
        ("reviewer", "/visits/{vid}/"),
    ],
)
def test_visit_pages_run_the_same_queries_whatever_the_number_of_visits(
    client, people, who, url, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    visit = shared_visit(people)
    client.force_login(getattr(people, who))
    path = url.format(vid=visit.pk)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    _many_visits(people, 6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), (len(few), len(many))
    with django_assert_max_num_queries(20):
        client.get(path)


def _open_visit_post_matrix(client, people, visit):
    """Who may change the attendees of an open visit, and fill its first form."""
    from alliances.models import RoleStatus

    people.revoked_reviewer = people.other_reviewer
    attendees = reverse("visit_attendees", kwargs={"vid": visit.pk})
    form_url = reverse("visit_form", kwargs={"vid": visit.pk})
    data = {"kind": "member", "name": "張三", "firm": "某公司"}
    scores = {f"score_{p}": "3" for p in POINTS} | {"recommendation": "continue", "save": "1"}
    results = {}
    for who in ("assistant", "viewer", "reviewer", "other_reviewer", "other_pi", "pi", "copi"):
        client.force_login(getattr(people, who))
        results[who] = (
            client.post(attendees, data).status_code,
            client.post(form_url, scores).status_code,
        )
    return results, RoleStatus


def test_on_an_open_visit_only_the_pi_co_pi_and_office_keep_attendees_and_only_the_reviewer_fills(
    client, people
):
    visit = schedule(people)
    declare(visit, people.reviewer)
    results, _ = _open_visit_post_matrix(client, people, visit)
    assert results == {
        "assistant": (404, 404),
        "viewer": (404, 404),
        "reviewer": (404, 302),
        "other_reviewer": (404, 404),
        "other_pi": (404, 404),
        "pi": (302, 404),
        "copi": (302, 404),
    }
    assert visit.attendees.count() == 2


def test_a_reviewer_whose_role_ends_sees_nothing_more(client, people):
    visit = schedule(people)
    people.reviewer.programme_role = ""
    people.reviewer.save()
    client.force_login(people.reviewer)
    for name in ("visit_detail", "visit_form", "visit_ics", "visit_attendees"):
        assert client.get(reverse(name, kwargs={"vid": visit.pk})).status_code == 404, name
    assert client.get(reverse("visit_list")).status_code == 404


def test_a_closed_visit_answers_the_pi_with_a_message_not_a_404(client, people):
    visit = schedule(people)
    services.visit_cancel(visit=visit, by=people.office, reason="委員行程衝突")
    client.force_login(people.pi)
    url = reverse("visit_attendees", kwargs={"vid": visit.pk})
    response = client.post(url, {"kind": "member", "name": "張三", "firm": "某公司"})
    assert response.status_code == 400
    assert "出席名單已不能變更" in response.content.decode()
    assert not visit.attendees.exists()


def test_a_withdrawn_reviewer_who_submitted_does_not_block_a_change(client, people):
    visit = schedule(people)
    form = ReviewForm.objects.get(visit=visit, reviewer=people.reviewer)
    fill(form, KNOWN_SCORES[0])
    people.reviewer.programme_role = ""
    people.reviewer.save()
    client.force_login(people.office)
    url = reverse("visit_edit", kwargs={"vid": visit.pk})
    page = client.get(url).content.decode()
    assert "陳委員" in page  # still listed, and ticked
    data = _schedule_post(people, date="106.03.16")
    del data["alliance_year"]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    visit.refresh_from_db()
    assert visit.local_start.day == 16 and visit.forms.count() == 3


def test_a_failed_share_leaves_no_file_behind(people, monkeypatch):
    from core.storage import private_storage

    visit = filled_visit(people, consolidate=True)

    def refuse(*args, **kwargs):
        raise RuntimeError("mail log unavailable")

    from inspections.services import results

    monkeypatch.setattr(results, "_send_summary", refuse)
    folder = f"site-visits/{visit.pk}"
    before = (
        set(private_storage().listdir(folder)[1]) if private_storage().exists(folder) else set()
    )
    with pytest.raises(RuntimeError):
        services.visit_share(visit=visit, by=people.office, show_names=False)
    after = set(private_storage().listdir(folder)[1]) if private_storage().exists(folder) else set()
    assert after == before
    visit.refresh_from_db()
    assert visit.shared_at is None and not visit.summary_pdf
