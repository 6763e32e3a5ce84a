"""Site visits for tests: a visit of the canonical alliance (106) with three reviewers,
and forms filled with known scores."""

import datetime as dt
import zoneinfo

from accounts.models import ProgrammeRole
from inspections import services
from inspections.models import ReviewPoint

TAIPEI = zoneinfo.ZoneInfo("Asia/Taipei")
POINTS = list(ReviewPoint.values)


def reviewers(people, n=3):
    """The fixture's reviewer and n−1 more (委員乙, 委員丙, …)."""
    from accounts.models import User

    found = [people.reviewer]
    for i in range(1, n):
        user, _ = User.objects.get_or_create(
            email=f"reviewer{i + 1}@example.org",
            defaults={"name": f"委員{'乙丙丁戊'[i - 1]}", "programme_role": ProgrammeRole.REVIEWER},
        )
        found.append(user)
    return found


def schedule(people, *, n_reviewers=3, staff=None, when=None, alliance_year=None):
    return services.visit_schedule(
        alliance_year=alliance_year or people.alliance_years[106],
        starts_at=when or dt.datetime(2017, 3, 15, 10, 0, tzinfo=TAIPEI),
        place="",
        agenda=[
            {"item": "聯盟簡報及核心技術現場展示", "minutes": 30},
            {"item": "綜合座談", "minutes": 30},
            {"item": "委員填寫實地查訪審查表", "minutes": 20},
            {"item": "查訪結果說明", "minutes": 5},
        ],
        reviewers=reviewers(people, n_reviewers),
        staff=[people.office] if staff is None else staff,
        by=people.office,
    )


def declare(visit, reviewer):
    """The reviewer declares no conflict of interest, as their form page asks first."""
    from inspections.models import ReviewForm

    form = ReviewForm.objects.get(visit=visit, reviewer=reviewer)
    return services.declare_no_conflict(form=form, by=reviewer)


def fill(form, scores, *, recommendation="continue", submit=True, comment_prefix=""):
    """Save `form` with `scores` (a list of seven, one per review point, in order), its
    reviewer having declared no conflict of interest first."""
    services.declare_no_conflict(form=form, by=form.reviewer)
    return services.form_save(
        form=form,
        by=form.reviewer,
        scores={
            point: (score, f"{comment_prefix}{ReviewPoint(point).label}意見")
            for point, score in zip(POINTS, scores, strict=True)
        },
        recommendation=recommendation,
        comment=f"{comment_prefix}綜合意見",
        submit=submit,
    )


# Three forms with known scores; per point (mean, min, max):
# promotion 4,5,3 → 4.00 3 5; core 5,5,4 → 4.67 4 5; team 3,4,4 → 3.67 3 4;
# kpi 2,3,5 → 3.33 2 5; cases 4,4,4 → 4.00 4 4; demo 5,3,1 → 3.00 1 5; sustain 1,2,2 → 1.67 1 2
KNOWN_SCORES = [
    [4, 5, 3, 2, 4, 5, 1],
    [5, 5, 4, 3, 4, 3, 2],
    [3, 4, 4, 5, 4, 1, 2],
]
KNOWN_RESULT = {
    "promotion": ("4.00", 3, 5),
    "core_technology": ("4.67", 4, 5),
    "teamwork": ("3.67", 3, 4),
    "kpi": ("3.33", 2, 5),
    "cases": ("4.00", 4, 4),
    "demonstration": ("3.00", 1, 5),
    "sustainability": ("1.67", 1, 2),
}
# The score is the mean of the exact point means, rounded once:
# (12+14+11+10+12+9+5)/3/7 = 73/21 = 3.476… → 3.48
KNOWN_SCORE = "3.48"


def filled_visit(people, *, consolidate=False):
    visit = schedule(people)
    for form, scores, letter in zip(visit.forms.order_by("pk"), KNOWN_SCORES, "ABC", strict=True):
        fill(form, scores, comment_prefix=f"{letter}:")
    if consolidate:
        visit = services.visit_consolidate(
            visit=visit, by=people.office, outcome="continue", note="整體表現良好，請持續推廣。"
        )
    return visit


def shared_visit(people):
    """The fixture alliance's 106 visit: a member-firm representative listed, three forms
    submitted, the result recorded and the summary shared with the alliance."""
    visit = schedule(people)
    services.attendee_add(
        visit=visit, by=people.pi, kind="member", name="王經理", firm_text=people.firm.ubn
    )
    for form, scores in zip(visit.forms.order_by("pk"), KNOWN_SCORES, strict=True):
        fill(form, scores)
    visit = services.visit_consolidate(visit=visit, by=people.office, outcome="continue", note="")
    return services.visit_share(visit=visit, by=people.office, show_names=False)
