"""Reads of site visits: the lists, the warnings of a visit, the consolidated result of its
forms and the award candidates of a year. Each in a bounded number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import roc
from inspections.models import (
    MIN_MEMBER_REPRESENTATIVES,
    MIN_REVIEWERS,
    STAFF_RANGE,
    AttendeeKind,
    Award,
    ConflictDeclaration,
    FormStatus,
    Recommendation,
    ReviewerAffiliation,
    ReviewForm,
    ReviewPoint,
    ReviewScore,
    SiteVisit,
    VisitStatus,
)

TWO_PLACES = Decimal("0.01")


def mean(values) -> Decimal | None:
    """The mean to two decimals, half up (3.335 → 3.34); None without values."""
    values = list(values)
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _visits():
    return SiteVisit.objects.select_related(
        "alliance_year__alliance__field", "alliance_year__programme_year"
    )


def with_form_counts(qs):
    return qs.annotate(
        forms_total=Count("forms", distinct=True),
        forms_submitted=Count("forms", filter=Q(forms__status=FormStatus.SUBMITTED), distinct=True),
    )


def office_visits(*, roc_year: int, field_code: str = "", status: str = ""):
    qs = _visits().filter(alliance_year__programme_year__roc_year=roc_year)
    if field_code:
        qs = qs.filter(alliance_year__alliance__field__code=field_code)
    if status:
        qs = qs.filter(status=status)
    return with_form_counts(qs).order_by("starts_at", "pk")


def reviewer_forms(user):
    """A reviewer's forms, newest visit first, with what the list shows."""
    return (
        ReviewForm.objects.filter(reviewer=user)
        .select_related(
            "visit__alliance_year__alliance__field", "visit__alliance_year__programme_year"
        )
        .order_by("-visit__starts_at", "pk")
    )


def alliance_visits_of(alliance_ids):
    """The visits of these alliances, newest first (an alliance's people see them)."""
    return _visits().filter(alliance_year__alliance_id__in=alliance_ids).order_by("-starts_at")


def visit_for_page(pk: int) -> SiteVisit | None:
    return (
        _visits()
        .prefetch_related(
            Prefetch("forms", queryset=ReviewForm.objects.select_related("reviewer")),
            Prefetch("attendees", queryset=_attendees()),
            "staff",
            Prefetch(
                "declarations",
                queryset=ConflictDeclaration.objects.select_related("reviewer").order_by(
                    "declared_at", "pk"
                ),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def _attendees():
    """The alliance's side in the order of §5: PI, co-PIs, team, member firms."""
    from django.db.models import Case, IntegerField, Value, When

    from inspections.models import VisitAttendee

    order = Case(
        *[When(kind=kind, then=Value(i)) for i, kind in enumerate(AttendeeKind.values)],
        output_field=IntegerField(),
    )
    return VisitAttendee.objects.select_related("firm").order_by(order, "pk")


def current_member_firm_ids(alliance_year) -> set[int]:
    """Firms that are members of the alliance in the visit's year or the year before: a
    visit falls in N.03–N.04, while year N's member list is still being entered."""
    from members.models import Membership

    return set(
        Membership.objects.filter(
            alliance_year__alliance_id=alliance_year.alliance_id,
            alliance_year__programme_year__roc_year__in=[
                alliance_year.programme_year.roc_year,
                alliance_year.programme_year.roc_year - 1,
            ],
            firm__isnull=False,
        ).values_list("firm_id", flat=True)
    )


def warnings(visit: SiteVisit) -> list[str]:
    """What does not match §5 yet; shown to the office, never a refusal."""
    found = []
    forms = list(visit.forms.all())
    if len(forms) < MIN_REVIEWERS:
        found.append(
            ngettext(
                "Only %(n)d reviewer is assigned; a visit has three, and the result needs "
                "three submitted forms.",
                "Only %(n)d reviewers are assigned; a visit has three, and the result needs "
                "three submitted forms.",
                len(forms),
            )
            % {"n": len(forms)}
        )
    staff = len(visit.staff.all())
    if not STAFF_RANGE[0] <= staff <= STAFF_RANGE[1]:
        found.append(
            _("%(n)d office and department staff are listed; a visit has three or four.")
            % {"n": staff}
        )
    attendees = list(visit.attendees.all())
    reps = [a for a in attendees if a.kind == AttendeeKind.MEMBER]
    if len(reps) < MIN_MEMBER_REPRESENTATIVES:
        found.append(
            ngettext(
                "%(n)d member-firm representative is listed; at least three should attend.",
                "%(n)d member-firm representatives are listed; at least three should attend.",
                len(reps),
            )
            % {"n": len(reps)}
        )
    if reps:
        members = current_member_firm_ids(visit.alliance_year)
        for rep in reps:
            if rep.firm_id not in members:
                found.append(
                    _("%(name)s represents %(firm)s, which is not a current member firm.")
                    % {"name": rep.name, "firm": rep.firm_label or _("no firm")}
                )
    if visit.is_open:
        for declaration in visit.declarations.all():
            if declaration.conflict:
                found.append(
                    _(
                        "A reviewer withdrew for a conflict of interest on %(date)s; assign "
                        "another in their place."
                    )
                    % {"date": roc.format_roc_date(declaration.declared_at.date())}
                )
    start = visit.local_start.date()
    if visit.is_open and start.month not in (3, 4):
        found.append(
            _("The visit is on %(date)s; site visits are held in March and April.")
            % {"date": roc.format_roc_date(start)}
        )
    return found


# --- conflicts of interest -----------------------------------------------------------


def reviewer_rows(visit: SiteVisit) -> dict:
    """The office's view of a visit's reviewers: each assigned reviewer with their
    declaration (none yet, or no conflict at a time) and any override of a conflict with
    its reason; and the reviewers withdrawn for a conflict, with what they declared.
    Reads what visit_for_page prefetched."""
    from inspections import conflicts

    declared = {d.form_id: d for d in visit.declarations.all() if not d.conflict and d.form_id}
    assigned = [
        {
            "form": form,
            "declaration": declared.get(form.pk),
            "overridden": conflicts.texts(form.override_conflicts),
        }
        for form in visit.forms.all()
    ]
    withdrawn = [d for d in visit.declarations.all() if d.conflict]
    return {"assigned": assigned, "withdrawn": withdrawn}


def affiliations_of(reviewer) -> list:
    return list(
        ReviewerAffiliation.objects.filter(reviewer=reviewer)
        .select_related("firm")
        .order_by("kind", "pk")
    )


def reviewers_with_affiliations():
    """Every reviewer account (active first) with their affiliations (two queries)."""
    from accounts.models import ProgrammeRole, User

    return (
        User.objects.filter(programme_role=ProgrammeRole.REVIEWER)
        .prefetch_related(
            Prefetch(
                "affiliations",
                queryset=ReviewerAffiliation.objects.select_related("firm").order_by("kind", "pk"),
            )
        )
        .order_by("-is_active", "name", "email")
    )


# --- consolidation ---------------------------------------------------------------------


@dataclass
class PointResult:
    point: str
    label: str
    scores: list  # [(reviewer label, score)]
    comments: list  # [(reviewer label, comment)]
    mean: Decimal | None = None
    low: int | None = None
    high: int | None = None


@dataclass
class Consolidation:
    forms: list  # submitted forms, in a fixed order
    labels: dict  # form pk → how the reviewer is named
    points: list = field(default_factory=list)
    score: Decimal | None = None
    recommendations: list = field(default_factory=list)  # [(label, Recommendation, comment)]

    @property
    def count(self) -> int:
        return len(self.forms)

    @property
    def columns(self) -> list[str]:
        """The reviewers' labels in the order of the score columns."""
        return [self.labels[form.pk] for form in self.forms]


def reviewer_label(index: int) -> str:
    """委員 A, 委員 B, … — how the summary names reviewers unless the office names them."""
    return _("Reviewer %(letter)s") % {"letter": chr(ord("A") + index)}


def consolidate(visit: SiteVisit, *, named: bool = True) -> Consolidation:
    """Per review point the mean (two decimals, half up), minimum and maximum of the
    submitted forms' scores, and every comment; the overall score is the mean of the
    points' (exact) means, rounded once. Two queries."""
    forms = list(
        ReviewForm.objects.filter(visit=visit, status=FormStatus.SUBMITTED)
        .select_related("reviewer")
        .order_by("pk")
    )
    labels = {
        form.pk: (str(form.reviewer) if named else reviewer_label(i))
        for i, form in enumerate(forms)
    }
    by_point = defaultdict(list)
    for score in ReviewScore.objects.filter(form__in=forms).order_by("form_id"):
        by_point[score.point].append(score)
    result = Consolidation(forms=forms, labels=labels)
    values_by_point = []
    for point, label in ReviewPoint.choices:
        rows = by_point.get(point, [])
        by_form = {row.form_id: row.score for row in rows}
        values = [row.score for row in rows if row.score is not None]
        values_by_point.append(values)
        result.points.append(
            PointResult(
                point=point,
                label=str(label),
                scores=[(labels[form.pk], by_form.get(form.pk)) for form in forms],
                comments=[(labels[row.form_id], row.comment) for row in rows if row.comment],
                mean=mean(values),
                low=min(values) if values else None,
                high=max(values) if values else None,
            )
        )
    # The score is the mean of the points' exact means, rounded once (not the mean of the
    # rounded means shown per point: that can be 0.01 off).
    exact = [Fraction(sum(v), len(v)) for v in values_by_point if v]
    if exact:
        score = sum(exact) / len(exact)
        result.score = (Decimal(score.numerator) / Decimal(score.denominator)).quantize(
            TWO_PLACES, rounding=ROUND_HALF_UP
        )
    result.recommendations = [
        (labels[form.pk], Recommendation(form.recommendation), form.comment) for form in forms
    ]
    return result


def form_scores(form: ReviewForm) -> list[dict]:
    """The form's rows in the order of the review points (missing ones empty)."""
    stored = {row.point: row for row in form.scores.all()}
    return [
        {"point": point, "label": label, "row": stored.get(point)}
        for point, label in ReviewPoint.choices
    ]


# --- awards --------------------------------------------------------------------------


@dataclass
class Candidate:
    visit: SiteVisit
    rank: int
    selected: bool
    # On the directory while another choice of the field awaits publication.
    published: bool = False


def candidates(roc_year: int) -> dict:
    """Per field (Field → {"candidates": [Candidate], "award", "published"}), the year's
    consolidated visits ranked by their consolidated score (equal scores share a rank),
    with the field's award if chosen (the choice awaiting publication, else the published
    one) and, while a new choice awaits publication, the published award it will replace."""
    from alliances.models import Field

    live, pending = {}, {}
    for award in Award.objects.filter(programme_year__roc_year=roc_year).select_related(
        "visit__alliance_year__alliance"
    ):
        (live if award.published_at else pending)[award.field_id] = award
    awards = live | pending  # the office's choice: the one awaiting publication, if any
    published = {f: award for f, award in live.items() if f in pending}
    visits = (
        _visits()
        .filter(alliance_year__programme_year__roc_year=roc_year, status=VisitStatus.CONSOLIDATED)
        .order_by(
            "alliance_year__alliance__field__order", "-score", "alliance_year__alliance__code"
        )
    )
    by_field = defaultdict(list)
    for visit in visits:
        by_field[visit.alliance_year.alliance.field_id].append(visit)
    result = {}
    for field_obj in Field.objects.order_by("order"):
        award, shown = awards.get(field_obj.pk), published.get(field_obj.pk)
        ranked, rank, previous = [], 0, None
        for index, visit in enumerate(by_field.get(field_obj.pk, [])):
            if visit.score != previous:
                rank, previous = index + 1, visit.score
            ranked.append(
                Candidate(
                    visit=visit,
                    rank=rank,
                    selected=bool(award and award.visit_id == visit.pk),
                    published=bool(shown and shown.visit_id == visit.pk),
                )
            )
        result[field_obj] = {"candidates": ranked, "award": award, "published": shown}
    return result


def published_awards():
    """Published awards, newest year first, for the public directory."""
    return (
        Award.objects.filter(published_at__isnull=False)
        .select_related("programme_year", "field", "visit__alliance_year__alliance__field")
        .order_by("-programme_year__roc_year", "field__order")
    )
