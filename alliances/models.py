"""Fields, programme years and alliances (domain.md §1)."""

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core import roc


def _bilingual(zh: str, en: str) -> str:
    return en if (get_language() or "").startswith("en") and en else zh


class Field(models.Model):
    """One of the eight fields (領域), in the programme's fixed order (reference/fields.csv).
    Created by a data migration; not edited in the portal."""

    order = models.PositiveSmallIntegerField(_("order"), unique=True)
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=20, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)

    class Meta:
        ordering = ["order"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)


def _d(roc_year: int, month: int, day: int) -> dt.date:
    return dt.date(roc.ad_year(roc_year), month, day)


class ProgrammeYear(models.Model):
    """Programme (project) year N: N.02.01 to (N+1).01.31, with its calendar and settings.

    Deadlines are dates; a deadline is the end of its day, 23:59:59 Asia/Taipei (§4).
    `calendar_defaults(N)` gives the published calendar; the office may change any of it.
    """

    roc_year = models.PositiveSmallIntegerField(
        _("programme year (ROC)"),
        unique=True,
        validators=[MinValueValidator(100), MaxValueValidator(199)],
    )
    expected_outcomes_opens = models.DateField(_("expected outcomes: window opens"))
    expected_outcomes_due = models.DateField(_("expected outcomes: due"))
    first_kpi_opens = models.DateField(_("first KPI filing: window opens"))
    first_kpi_due = models.DateField(_("first KPI filing: due"))
    second_kpi_opens = models.DateField(_("second KPI filing: window opens"))
    second_kpi_due = models.DateField(_("second KPI filing: due"))
    banner_due = models.DateField(_("alliance banner and website: due"))
    midterm_report_due = models.DateField(_("mid-term report (MOST site): due"))
    subsidy_cap = models.PositiveIntegerField(
        _("subsidy cap per alliance (NT$)"), default=3_000_000
    )
    collaboration_weight_phase1 = models.PositiveSmallIntegerField(
        _("collaboration weight, phase 1 (%)"),
        default=100,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of collaboration funding counted toward total revenue (R8)."),
    )
    collaboration_weight_phase2 = models.PositiveSmallIntegerField(
        _("collaboration weight, phase 2 (%)"),
        default=30,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of collaboration funding counted toward total revenue (R8)."),
    )
    target_company_members = models.PositiveIntegerField(
        _("programme target: company members"), default=2000
    )
    target_fee_per_firm = models.PositiveIntegerField(
        _("programme target: membership fee per firm (NT$)"), default=100_000
    )
    visit_score_min = models.PositiveSmallIntegerField(
        _("site-visit score: lowest"),
        default=1,
        help_text=_("The scale reviewers score each review point on."),
    )
    visit_score_max = models.PositiveSmallIntegerField(
        _("site-visit score: highest"),
        default=5,
        validators=[MaxValueValidator(100)],
        help_text=_("Fixed once the first score of the year is given."),
    )

    class Meta:
        ordering = ["-roc_year"]
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expected_outcomes_opens__lte=models.F("expected_outcomes_due")),
                name="programmeyear_expected_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(first_kpi_opens__lte=models.F("first_kpi_due")),
                name="programmeyear_first_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(second_kpi_opens__lte=models.F("second_kpi_due")),
                name="programmeyear_second_window_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(collaboration_weight_phase1__lte=100)
                & models.Q(collaboration_weight_phase2__lte=100),
                name="programmeyear_weights_are_percentages",
            ),
            models.CheckConstraint(
                condition=models.Q(visit_score_min__lt=models.F("visit_score_max")),
                name="programmeyear_visit_scale_ordered",
                violation_error_message=_("The lowest site-visit score must be below the highest."),
            ),
        ]

    def __str__(self):
        return str(_("Programme year %(year)s") % {"year": self.roc_year})

    @staticmethod
    def calendar_defaults(roc_year: int) -> dict:
        """The filing calendar of domain.md §4 for year N."""
        return {
            "expected_outcomes_opens": _d(roc_year, 3, 1),
            "expected_outcomes_due": _d(roc_year, 4, 15),
            "first_kpi_opens": _d(roc_year, 2, 1),
            "first_kpi_due": _d(roc_year, 10, 31),
            "second_kpi_opens": _d(roc_year, 11, 1),
            "second_kpi_due": _d(roc_year + 1, 1, 31),
            "banner_due": _d(roc_year, 4, 30),
            "midterm_report_due": _d(roc_year, 10, 31),
        }

    @property
    def starts_on(self) -> dt.date:
        return roc.project_year_bounds(self.roc_year)[0]

    @property
    def ends_on(self) -> dt.date:
        return roc.project_year_bounds(self.roc_year)[1]

    def weight_for_phase(self, phase: int) -> int:
        """R8: the share (%) of collaboration funding counted in this phase."""
        return self.collaboration_weight_phase2 if phase == 2 else self.collaboration_weight_phase1

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def calendar(self) -> list[tuple[str, dt.date | None, dt.date]]:
        """(what, opens, due) in date order, for the calendar shown to alliances."""
        rows = [
            (_("First KPI filing"), self.first_kpi_opens, self.first_kpi_due),
            (_("Expected outcomes"), self.expected_outcomes_opens, self.expected_outcomes_due),
            (_("Alliance banner and website"), None, self.banner_due),
            (_("Mid-term report on the MOST site"), None, self.midterm_report_due),
            (_("Second KPI filing"), self.second_kpi_opens, self.second_kpi_due),
        ]
        return sorted(rows, key=lambda row: row[2])


class TeamType(models.TextChoices):
    """聯盟團隊運作型態"""

    CROSS_SCHOOL = "cross_school", _("Cross-school collaboration")
    REGIONAL_CENTRE = "regional_centre", _("Regional research centre")
    SAME_SCHOOL = "same_school", _("Same-school integration")
    SINGLE_LAB = "single_lab", _("Single laboratory")


class Service(models.TextChoices):
    """What an alliance offers its members (domain.md §1)."""

    TECHNICAL_SERVICE = "technical_service", _("Technical service")
    TECHNOLOGY_TRANSFER = "technology_transfer", _("Technology transfer")
    COLLABORATION = "collaboration", _("Industry–academia projects")
    CONSULTING = "consulting", _("Member consulting")
    ONSITE_GUIDANCE = "onsite_guidance", _("On-site factory guidance")
    PRODUCT_DEVELOPMENT = (
        "product_development",
        _("Help with new products, technologies and patents"),
    )


# The alliance's public profile: changed through a ProfileRevision the office approves.
PROFILE_FIELDS = [
    "name_zh",
    "name_en",
    "field",
    "institution",
    "team_type",
    "technical_manager",
    "core_technologies",
    "keywords",
    "services",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "description",
]


class Alliance(models.Model):
    """A university team that sells its core technology to member firms (產學小聯盟).

    The fields here are what the public directory shows: the last version the office
    approved. Proposed changes wait in a ProfileRevision."""

    code = models.CharField(
        _("alliance code"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The programme's identifier, used by workbook imports (e.g. MECH001)."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="alliances"
    )
    institution = models.CharField(_("executing institution"), max_length=120)
    team_type = models.CharField(_("team type"), max_length=20, choices=TeamType.choices)
    technical_manager = models.CharField(_("technical manager"), max_length=100, blank=True)
    core_technologies = models.TextField(_("core technologies"), blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    services = models.JSONField(_("services offered"), default=list, blank=True)
    contact_name = models.CharField(_("public contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("public contact email"), blank=True)
    contact_phone = models.CharField(_("public contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("public description"), blank=True)
    banner = models.ImageField(_("banner"), upload_to="banners/", blank=True)
    profile_published_at = models.DateTimeField(_("profile published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["field__order", "name_zh"]
        verbose_name = _("alliance")
        verbose_name_plural = _("alliances")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name_zh"], name="alliance_unique_name_per_institution"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return _bilingual(self.name_zh, self.name_en)

    def service_labels(self) -> list[str]:
        return [str(label) for value, label in Service.choices if value in (self.services or [])]

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in (self.keywords or "").replace("，", ",").split(",") if k.strip()]


class RevisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    APPROVED = "approved", _("Published")
    REJECTED = "rejected", _("Returned")
    WITHDRAWN = "withdrawn", _("Replaced by a newer proposal")


class ProfileRevision(models.Model):
    """A proposed change of an alliance's public profile. The office approves it (and it
    is published) or returns it with a reason; the last approved profile stays public
    meanwhile. At most one pending revision per alliance."""

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="revisions"
    )
    data = models.JSONField(_("proposed profile"))
    banner = models.ImageField(_("proposed banner"), upload_to="banners/proposed/", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        "accounts.User", verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("profile revision")
        verbose_name_plural = _("profile revisions")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance"],
                condition=models.Q(status="pending"),
                name="profilerevision_one_pending_per_alliance",
            )
        ]

    def __str__(self):
        return f"{self.alliance} · {self.get_status_display()} · {self.submitted_at:%Y-%m-%d}"


class FieldTarget(models.Model):
    """The suggested company-member target of a field for a programme year
    (members_106.csv target_107 for 107). They need not add up to the programme target."""

    programme_year = models.ForeignKey(
        ProgrammeYear, on_delete=models.CASCADE, related_name="field_targets"
    )
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+")
    company_members = models.PositiveIntegerField(_("suggested company members"))

    class Meta:
        verbose_name = _("field target")
        verbose_name_plural = _("field targets")
        ordering = ["programme_year", "field__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_year", "field"], name="fieldtarget_unique_per_year"
            )
        ]

    def __str__(self):
        return f"{self.programme_year.roc_year} {self.field}: {self.company_members}"


class AllianceYear(models.Model):
    """An alliance in one programme year: its phase, subsidy and R8 weight (office-edited)."""

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="years"
    )
    programme_year = models.ForeignKey(
        ProgrammeYear,
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="alliance_years",
    )
    phase = models.PositiveSmallIntegerField(
        _("phase"), choices=[(1, _("Phase 1")), (2, _("Phase 2"))]
    )
    phase_year = models.PositiveSmallIntegerField(
        _("year of the phase"), choices=[(1, "1"), (2, "2"), (3, "3")]
    )
    subsidy = models.PositiveIntegerField(_("subsidy (NT$)"), default=0)
    collaboration_weight = models.PositiveSmallIntegerField(
        _("collaboration weight (%)"),
        validators=[MaxValueValidator(100)],
        help_text=_("Share of collaboration funding counted toward total revenue (R8)."),
    )

    class Meta:
        verbose_name = _("alliance-year")
        verbose_name_plural = _("alliance-years")
        ordering = ["alliance", "programme_year__roc_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "programme_year"], name="allianceyear_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=[1, 2]) & models.Q(phase_year__in=[1, 2, 3]),
                name="allianceyear_phase_and_year",
            ),
            models.CheckConstraint(
                condition=models.Q(collaboration_weight__lte=100),
                name="allianceyear_weight_percentage",
            ),
        ]

    def __str__(self):
        return f"{self.alliance} · {self.programme_year.roc_year}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.programme_year_id and self.subsidy > self.programme_year.subsidy_cap:
            raise ValidationError(
                {
                    "subsidy": _("The subsidy is above the year's cap of NT$%(cap)s.")
                    % {"cap": f"{self.programme_year.subsidy_cap:,}"}
                }
            )


class TeamRole(models.TextChoices):
    PI = "pi", _("PI")
    CO_PI = "co_pi", _("Co-PI")
    ASSISTANT = "assistant", _("Assistant")


class Capability(models.TextChoices):
    """What an approved assistant may do besides viewing (set by the PI or a co-PI)."""

    LEDGER = "ledger", _("Keep the ledger")
    FILINGS = "filings", _("Prepare filings")
    EVENTS = "events", _("Register for events")


class RoleStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")
    ENDED = "ended", _("Ended")


LIVE_STATUSES = [RoleStatus.PENDING, RoleStatus.ACTIVE]


class AllianceRole(models.Model):
    """A person's role in one alliance (PI, co-PI or assistant) and its history.

    Rows are never deleted: a rejected, revoked or ended role stays as a record. Only one
    live (pending or active) role per person and alliance, and one active PI per alliance.
    Changes go through alliances.services, each with an audit event.
    """

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("alliance"), on_delete=models.CASCADE, related_name="roles"
    )
    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="alliance_roles",
    )
    role = models.CharField(_("role"), max_length=10, choices=TeamRole.choices)
    status = models.CharField(_("status"), max_length=10, choices=RoleStatus.choices)
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    note = models.TextField(_("note to the PI"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("requested or appointed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alliance role")
        verbose_name_plural = _("alliance roles")
        ordering = ["alliance", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "user"],
                condition=models.Q(status__in=["pending", "active"]),
                name="alliancerole_one_live_role_per_person",
            ),
            models.UniqueConstraint(
                fields=["alliance"],
                condition=models.Q(role="pi", status="active"),
                name="alliancerole_one_active_pi",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="pending") | models.Q(role="assistant"),
                name="alliancerole_only_assistants_wait",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.alliance}"

    @property
    def is_active(self) -> bool:
        return self.status == RoleStatus.ACTIVE

    def has_capability(self, capability: str) -> bool:
        """PI and co-PIs can do everything an assistant can; assistants what they were given."""
        if not self.is_active:
            return False
        if self.role in (TeamRole.PI, TeamRole.CO_PI):
            return True
        return capability in self.capabilities

    def capability_labels(self) -> list[str]:
        return [str(label) for value, label in Capability.choices if value in self.capabilities]
