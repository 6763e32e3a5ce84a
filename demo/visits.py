"""The demo's site visits of 107 (domain.md §5), made through the services as the office and
the reviewers would:

- MECH001 (the demo alliance), 107.03.20: three forms submitted, the result recorded and
  the summary shared with the alliance (its PI reads it, reviewers not named);
- MECH002, 107.03.27: three forms submitted, the result recorded, not shared;
- MECH003, 107.04.10: two forms submitted, the form of reviewer@example.org awaiting them;
- the outstanding alliance of 機電材料 chosen from the two results and published.

The services stamp "now"; the demo then dates forms, results and the award as they would
have been in 107 (submitted during the visit, results a week later, the award in May).

Idempotent: nothing is made when a visit exists.
"""

import datetime as dt
import zoneinfo

from accounts.models import User
from alliances.models import AllianceYear
from inspections import services
from inspections.models import DEFAULT_AGENDA, Award, ReviewForm, ReviewPoint, SiteVisit
from members.models import Membership

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
REVIEWERS = ["reviewer@example.org", "reviewer2@example.org", "reviewer3@example.org"]
STAFF = ["office@example.org", "office2@example.org", "viewer@example.org"]

# Each reviewer's comments, per review point (the demo's three reviewers write differently).
COMMENTS = {
    ReviewPoint.PROMOTION: [
        "會員招募與推廣活動規劃完整，成果具體。",
        "推廣管道多元，建議加強中南部廠商招募。",
        "推廣成果符合預期，會員續約率高。",
    ],
    ReviewPoint.CORE_TECHNOLOGY: [
        "核心技術已擴散至多家會員廠商實際使用。",
        "技術擴散情形良好，可再整理導入前後效益。",
        "核心技術成熟度高，已有廠商量產應用。",
    ],
    ReviewPoint.TEAMWORK: [
        "團隊分工明確，技術經理負責廠商聯繫。",
        "跨領域分工清楚，助理人力略顯吃緊。",
        "團隊穩定，建議明訂技術服務窗口。",
    ],
    ReviewPoint.KPI: [
        "各項績效指標大致達成，技術移轉略低於目標。",
        "會員數及會費收入達標，產學合作件數待提升。",
        "績效指標達成率高，佐證資料完整。",
    ],
    ReviewPoint.CASES: [
        "亮點案例具說服力，建議補充量化效益。",
        "成功案例具代表性，可作為領域示範。",
        "案例說明清楚，廠商代表現場分享具體。",
    ],
    ReviewPoint.DEMONSTRATION: [
        "現場展示之核心技術具產業應用價值。",
        "展示系統完整，具商品化潛力。",
        "展示內容扎實，建議增加互動體驗。",
    ],
    ReviewPoint.SUSTAINABILITY: [
        "會費收入成長，自給自足規劃仍需加強。",
        "建議提出第二期自主營運之具體收費機制。",
        "自給自足率逐年提升，永續經營可期。",
    ],
}
OVERALL = [
    "整體運作良好，建議持續擴大會員服務。",
    "聯盟運作穩健，請強化技術移轉與產學合作。",
    "表現良好，建議持續推動並擴大推廣。",
]

# (alliance code, start, scores of the three reviewers in REVIEWERS order (None: not
# filled yet), recommendations, outcome or None, shared)
PLAN = [
    (
        "MECH001",
        dt.datetime(2018, 3, 20, 10, 0, tzinfo=TAIPEI),
        [[4, 5, 4, 4, 5, 5, 3], [5, 5, 4, 4, 4, 5, 3], [4, 4, 5, 3, 4, 5, 4]],
        ["outstanding", "outstanding", "continue"],
        "outstanding",
        True,
    ),
    (
        "MECH002",
        dt.datetime(2018, 3, 27, 14, 0, tzinfo=TAIPEI),
        [[4, 3, 4, 3, 3, 4, 3], [3, 4, 3, 3, 4, 4, 2], [4, 4, 3, 4, 3, 3, 3]],
        ["continue", "continue", "improve"],
        "continue",
        False,
    ),
    (
        "MECH003",
        dt.datetime(2018, 4, 10, 10, 0, tzinfo=TAIPEI),
        [None, [3, 3, 4, 2, 3, 3, 2], [3, 2, 3, 3, 3, 3, 2]],
        [None, "improve", "improve"],
        None,
        False,
    ),
]


def _user(email):
    return User.objects.get(email__iexact=email)


def _attendees(visit, office) -> None:
    ay = visit.alliance_year
    pi = ay.alliance.roles.filter(role="pi", status="active").select_related("user").first()
    if pi:
        services.attendee_add(visit=visit, by=office, kind="pi", name=pi.user.name)
    copi = ay.alliance.roles.filter(role="co_pi", status="active").select_related("user").first()
    if copi:
        services.attendee_add(visit=visit, by=office, kind="co_pi", name=copi.user.name)
    if ay.alliance.technical_manager:
        services.attendee_add(
            visit=visit,
            by=office,
            kind="team",
            name=ay.alliance.technical_manager,
            title="技術經理",
        )
    members = (
        Membership.objects.filter(
            alliance_year__alliance=ay.alliance,
            alliance_year__programme_year__roc_year=ay.programme_year.roc_year - 1,
            firm__isnull=False,
        )
        .exclude(contact_name="")
        .select_related("firm")
        .order_by("firm__name")[:3]
    )
    for membership in members:
        services.attendee_add(
            visit=visit,
            by=office,
            kind="member",
            name=membership.contact_name,
            title="經理",
            firm_text=membership.firm.ubn or membership.firm.name,
        )


def load() -> int:
    if SiteVisit.objects.exists():
        return 0
    office = _user("office@example.org")
    reviewers = [_user(email) for email in REVIEWERS]
    staff = list(User.objects.filter(email__in=STAFF))
    created = 0
    visits = []
    for code, start, scores, recommendations, outcome, shared in PLAN:
        ay = AllianceYear.objects.filter(alliance__code=code, programme_year__roc_year=107).first()
        if ay is None:
            continue
        visit = services.visit_schedule(
            alliance_year=ay,
            starts_at=start,
            place="",
            agenda=DEFAULT_AGENDA,
            reviewers=reviewers,
            staff=staff,
            by=office,
        )
        _attendees(visit, office)
        forms = {form.reviewer_id: form for form in visit.forms.all()}
        for i, (reviewer, points, recommendation) in enumerate(
            zip(reviewers, scores, recommendations, strict=True)
        ):
            if points is None:
                continue
            services.declare_no_conflict(form=forms[reviewer.pk], by=reviewer)
            form = services.form_save(
                form=forms[reviewer.pk],
                by=reviewer,
                scores={
                    point: (score, COMMENTS[point][i])
                    for point, score in zip(ReviewPoint.values, points, strict=True)
                },
                recommendation=recommendation,
                comment=OVERALL[i],
                submit=True,
            )
            # As if filled in during the visit's 20 minutes for the forms (the agenda).
            ReviewForm.objects.filter(pk=form.pk).update(
                submitted_at=start + dt.timedelta(minutes=75 + 3 * i)
            )
        if outcome:
            visit = services.visit_consolidate(
                visit=visit,
                by=office,
                outcome=outcome,
                note="聯盟運作穩健，請持續強化自給自足規劃並擴大核心技術推廣。",
            )
            SiteVisit.objects.filter(pk=visit.pk).update(
                consolidated_at=start + dt.timedelta(days=7)
            )
            visit.refresh_from_db()
            visits.append(visit)
        if shared:
            services.visit_share(visit=visit, by=office, show_names=False)
            SiteVisit.objects.filter(pk=visit.pk).update(shared_at=start + dt.timedelta(days=14))
        created += 1
    if visits:
        best = max(visits, key=lambda v: v.score)
        award = services.award_select(visit=best, by=office, note="綜合評分為本領域最高。")
        services.awards_publish(programme_year=best.alliance_year.programme_year, by=office)
        Award.objects.filter(pk=award.pk).update(
            selected_at=dt.datetime(2018, 5, 15, 10, 0, tzinfo=TAIPEI),
            published_at=dt.datetime(2018, 5, 31, 10, 0, tzinfo=TAIPEI),
        )
    return created
