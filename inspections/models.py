"""Site visits (實地查訪, domain.md §5): the visit, who comes, the reviewers' forms, and the
outstanding alliance of each field (績優聯盟).

A reviewer's assignment *is* their form: one ReviewForm per reviewer and visit, created
when the office assigns them. Scores are rows (one per review point) so that the
consolidation is a plain aggregate. The score scale is the programme year's setting
(ProgrammeYear.visit_score_min/max), fixed once the year's first score is given.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReviewPoint(models.TextChoices):
    """The seven review points of the site-visit review form, in the deck's order (§5)."""

    PROMOTION = "promotion", _("Promotion and results")
    CORE_TECHNOLOGY = "core_technology", _("Use and diffusion of the core technology")
    TEAMWORK = "teamwork", _("Division of work in the team")
    KPI = "kpi", _("KPI achievement")
    CASES = "cases", _("Highlights and success cases")
    DEMONSTRATION = "demonstration", _("Value of the demonstrated core technology")
    SUSTAINABILITY = "sustainability", _("Sustainability")


class Recommendation(models.TextChoices):
    """A reviewer's overall recommendation, and the visit's outcome the office records."""

    OUTSTANDING = "outstanding", _("Outstanding: a candidate for the field's award")
    CONTINUE = "continue", _("Good: continue")
    IMPROVE = "improve", _("Continue after improvements")
    STOP = "stop", _("Weak: recommend ending the subsidy")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("visit", "Scheduled")
    CONSOLIDATED = "consolidated", pgettext_lazy("visit", "Result recorded")
    CANCELLED = "cancelled", pgettext_lazy("visit", "Cancelled")


class FormStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("review form", "Awaiting the reviewer")
    SUBMITTED = "submitted", pgettext_lazy("review form", "Submitted")
    RETURNED = "returned", pgettext_lazy("review form", "Returned to the reviewer")


class AttendeeKind(models.TextChoices):
    PI = "pi", _("PI")
    CO_PI = "co_pi", _("Co-PI")
    TEAM = "team", _("Team member")
    MEMBER = "member", _("Member-firm representative")


# The agenda of §5; the office may change it per visit. Items are in the programme's
# language (the visit is held in it); minutes are whole numbers.
DEFAULT_AGENDA = [
    {"item": "聯盟簡報及核心技術現場展示", "minutes": 30},
    {"item": "綜合座談", "minutes": 30},
    {"item": "委員填寫實地查訪審查表", "minutes": 20},
    {"item": "查訪結果說明", "minutes": 5},
]

MIN_REVIEWERS = 3  # §5: three reviewers; consolidation needs three submitted forms
STAFF_RANGE = (3, 4)  # §5: three or four from the department and the programme office
MIN_MEMBER_REPRESENTATIVES = 3  # §5: at least three member-firm representatives


def _private_storage():
    from core.storage import private_storage

    return private_storage()


def summary_path(instance, filename):
    return f"site-visits/{instance.pk}/summary-{uuid.uuid4().hex[:8]}.pdf"


class SiteVisit(models.Model):
    """The office's visit to one alliance in one programme year (N.03–N.04, at the
    executing institution). At most one visit per alliance-year that is not cancelled."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        verbose_name=_("alliance-year"),
        on_delete=models.PROTECT,
        related_name="site_visits",
    )
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    agenda = models.JSONField(_("agenda"), default=list, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("office and department staff"),
        related_name="visits_as_staff",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    # iCalendar SEQUENCE of the invitation: raised whenever time, place or agenda change.
    sequence = models.PositiveIntegerField(default=0)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Recommendation.choices, blank=True
    )
    outcome_note = models.TextField(_("conclusion for the alliance"), blank=True)
    score = models.DecimalField(
        _("consolidated score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    consolidated_at = models.DateTimeField(_("result recorded at"), null=True, blank=True)
    consolidated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(_("summary shared at"), null=True, blank=True)
    show_reviewer_names = models.BooleanField(_("reviewers named in the summary"), default=False)
    # The summary as shared: the alliance downloads exactly what it was sent.
    summary_pdf = models.FileField(storage=_private_storage, upload_to=summary_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("scheduled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance_year"],
                condition=~models.Q(status="cancelled"),
                name="sitevisit_one_live_visit_per_alliance_year",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="consolidated")
                | (models.Q(score__isnull=False) & ~models.Q(outcome="")),
                name="sitevisit_consolidated_has_score_and_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(shared_at__isnull=True) | models.Q(status="consolidated"),
                name="sitevisit_only_results_are_shared",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self):
        from core import roc

        return f"{self.alliance_year.alliance} · {roc.format_roc_date(self.local_start)}"

    @property
    def local_start(self) -> dt.datetime:
        from django.utils import timezone

        return timezone.localtime(self.starts_at)

    @property
    def minutes(self) -> int:
        return sum(int(row.get("minutes") or 0) for row in self.agenda) or 60

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)

    def agenda_times(self) -> list[dict]:
        """The agenda with each item's start and end (local time)."""
        at = self.local_start
        rows = []
        for row in self.agenda:
            end = at + dt.timedelta(minutes=int(row.get("minutes") or 0))
            rows.append({**row, "starts": at, "ends": end})
            at = end
        return rows

    @property
    def is_open(self) -> bool:
        """Forms can be filled and returned, attendees changed."""
        return self.status == VisitStatus.SCHEDULED

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None


class VisitAttendee(models.Model):
    """Someone of the alliance's side at the visit: the PI, co-PIs, the team, and the
    member firms' representatives (at least three, §5)."""

    visit = models.ForeignKey(SiteVisit, on_delete=models.CASCADE, related_name="attendees")
    kind = models.CharField(_("attends as"), max_length=10, choices=AttendeeKind.choices)
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    firm = models.ForeignKey(
        "members.Firm",
        verbose_name=_("firm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    firm_name = models.CharField(_("firm as entered"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["visit", "kind", "pk"]

    def __str__(self):
        return self.name

    @property
    def firm_label(self) -> str:
        return self.firm.name if self.firm_id else self.firm_name


class ReviewForm(models.Model):
    """One reviewer's 實地查訪審查表 for one visit: a score and a comment per review point
    and an overall recommendation. Locked once submitted; the office may return it."""

    visit = models.ForeignKey(SiteVisit, on_delete=models.CASCADE, related_name="forms")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_forms",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=FormStatus.choices, default=FormStatus.DRAFT
    )
    recommendation = models.CharField(
        _("overall recommendation"), max_length=12, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("why it was returned"), blank=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    # Assigned despite a conflict of interest the portal found (same institution, a
    # declared firm that is a member, an earlier declared conflict): what was found, as
    # inspections.conflicts.Conflict.as_json() rows, and the office's recorded reason.
    override_conflicts = models.JSONField(_("conflicts overridden"), default=list, blank=True)
    override_reason = models.CharField(
        _("why assigned despite the conflict"), max_length=500, blank=True
    )
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(_("conflict overridden at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review form")
        verbose_name_plural = _("review forms")
        ordering = ["visit", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "reviewer"], name="reviewform_one_per_reviewer"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="submitted")
                | (models.Q(submitted_at__isnull=False) & ~models.Q(recommendation="")),
                name="reviewform_submitted_is_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(override_reason="") | models.Q(overridden_at__isnull=False),
                name="reviewform_override_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.visit} · {self.reviewer}"

    @property
    def is_locked(self) -> bool:
        return self.status == FormStatus.SUBMITTED or not self.visit.is_open

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_reason)


class ReviewScore(models.Model):
    """One review point of one form: its score on the year's scale and a comment."""

    form = models.ForeignKey(ReviewForm, on_delete=models.CASCADE, related_name="scores")
    point = models.CharField(_("review point"), max_length=20, choices=ReviewPoint.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["form", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "point"], name="reviewscore_one_per_point")
        ]

    def __str__(self):
        return f"{self.get_point_display()}: {self.score}"


class Award(models.Model):
    """The outstanding alliance of a field in a programme year (每領域遴選1案績優聯盟),
    chosen by the office from the field's consolidated visits. Public once published.

    A field has at most one published award and one choice awaiting publication: choosing
    another alliance where one is published leaves the published one on the directory
    until the new choice is published, which then replaces it."""

    programme_year = models.ForeignKey(
        "alliances.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="awards",
    )
    field = models.ForeignKey(
        "alliances.Field", verbose_name=_("field"), on_delete=models.PROTECT, related_name="+"
    )
    visit = models.OneToOneField(
        SiteVisit, verbose_name=_("site visit"), on_delete=models.PROTECT, related_name="award"
    )
    note = models.TextField(_("why this alliance"), blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected_at = models.DateTimeField(_("selected at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outstanding alliance")
        verbose_name_plural = _("outstanding alliances")
        ordering = ["-programme_year__roc_year", "field__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_year", "field"],
                condition=models.Q(published_at__isnull=False),
                name="award_one_published_per_field_and_year",
            ),
            models.UniqueConstraint(
                fields=["programme_year", "field"],
                condition=models.Q(published_at__isnull=True),
                name="award_one_pending_per_field_and_year",
            ),
        ]

    def __str__(self):
        return f"{self.programme_year.roc_year} {self.field}: {self.visit.alliance_year.alliance}"


# --- conflicts of interest -----------------------------------------------------------


class AffiliationKind(models.TextChoices):
    INSTITUTION = "institution", _("Institution (university, institute)")
    FIRM = "firm", _("Firm")


class AffiliationTie(models.TextChoices):
    WORKS = "works", _("Works there")
    ADVISES = "advises", _("Advises or consults")
    OTHER = "other", _("Other tie (board, shares, family)")


class ReviewerAffiliation(models.Model):
    """A reviewer's tie to an institution or a firm, kept by the reviewer (and the office).
    Assigning them to a visit of an alliance of that executing institution, or with that
    firm among its members, is a conflict of interest (inspections.conflicts)."""

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AffiliationKind.choices)
    tie = models.CharField(
        _("tie"), max_length=10, choices=AffiliationTie.choices, default=AffiliationTie.WORKS
    )
    institution = models.CharField(_("institution"), max_length=120, blank=True)
    # A firm as entered (its 統一編號 or name), the firm it names if the registry has it.
    firm = models.ForeignKey(
        "members.Firm",
        verbose_name=_("firm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ubn = models.CharField(_("unified business number (UBN)"), max_length=8, blank=True)
    firm_name = models.CharField(_("firm as entered"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reviewer's affiliation")
        verbose_name_plural = _("reviewers' affiliations")
        ordering = ["reviewer", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="institution") & ~models.Q(institution=""))
                | (
                    models.Q(kind="firm")
                    & (models.Q(firm__isnull=False) | ~models.Q(ubn="") | ~models.Q(firm_name=""))
                ),
                name="revieweraffiliation_names_something",
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        if self.kind == AffiliationKind.INSTITUTION:
            return self.institution
        name = self.firm.name if self.firm_id else self.firm_name
        if not name:
            return self.ubn
        return f"{name} ({self.ubn})" if self.ubn else name


class ConflictDeclaration(models.Model):
    """What a reviewer declared before opening their form: no conflict of interest with the
    visited alliance (kept with their form), or a conflict, which withdrew them from the
    visit (their form is removed; this row stays, for the office)."""

    visit = models.ForeignKey(SiteVisit, on_delete=models.CASCADE, related_name="declarations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="conflict_declarations",
    )
    # The assignment declared for; empty once the form is removed (withdrawn, or the
    # office took the reviewer off the visit).
    form = models.ForeignKey(
        ReviewForm, null=True, blank=True, on_delete=models.SET_NULL, related_name="declarations"
    )
    conflict = models.BooleanField(_("has a conflict of interest"))
    description = models.CharField(_("the conflict"), max_length=500, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict-of-interest declaration")
        verbose_name_plural = _("conflict-of-interest declarations")
        ordering = ["visit", "declared_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conflict=False) | ~models.Q(description=""),
                name="conflictdeclaration_conflict_is_described",
            ),
            models.UniqueConstraint(
                fields=["form"],
                condition=models.Q(form__isnull=False, conflict=False),
                name="conflictdeclaration_one_no_conflict_per_form",
            ),
        ]

    def __str__(self):
        return f"{self.visit} · {self.reviewer}"
