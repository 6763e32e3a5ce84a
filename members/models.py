"""Firms and memberships per alliance-year (domain.md §3, M1–M5)."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.ubn import is_valid_ubn, normalize_text, normalize_ubn


def validate_ubn(value: str) -> None:
    if value and not is_valid_ubn(value):
        raise ValidationError(
            _("The unified business number %(value)s is wrong: its check digit does not match."),
            code="ubn",
            params={"value": value},
        )


class EntityType(models.TextChoices):
    """What a firm is, as far as rules M2–M3 care."""

    COMPANY = "company", _("For-profit business (registered in Taiwan)")
    NON_RESEARCH_LEGAL = "non_research_legal", _("Non-research legal person")
    RESEARCH_LEGAL = "research_legal", _("Research-type legal person")
    FOREIGN_REGISTERED = (
        "foreign_registered",
        _("Foreign firm with a Taiwan branch or tax registration"),
    )
    FOREIGN_UNREGISTERED = "foreign_unregistered", _("Foreign firm without Taiwan registration")


class MemberKind(models.TextChoices):
    """M1: the three kinds of member."""

    COMPANY = "company", _("Company member")
    INDIVIDUAL = "individual", _("Individual member")
    OTHER = "other", _("Other member")


class Firm(models.Model):
    """A firm, once across all alliances: one row per 統一編號; a firm without Taiwan
    registration (M3) has none and is known by its name and country."""

    name = models.CharField(_("firm name"), max_length=200)
    country = models.CharField(
        _("country"), max_length=2, default="TW", help_text=_("ISO 3166 code, e.g. TW, JP, US")
    )
    ubn = models.CharField(
        _("unified business number (UBN)"),
        max_length=8,
        blank=True,
        default="",
        validators=[validate_ubn],
    )
    entity_type = models.CharField(
        _("kind of entity"), max_length=24, choices=EntityType.choices, default=EntityType.COMPANY
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ubn"],
                condition=~models.Q(ubn=""),
                name="firm_unique_ubn",
                violation_error_message=_("A firm with this UBN exists already."),
            ),
            models.UniqueConstraint(
                fields=["name", "country"],
                condition=models.Q(ubn=""),
                name="firm_unique_name_country_without_ubn",
                violation_error_message=_("A firm with this name and country exists already."),
            ),
            models.CheckConstraint(
                condition=models.Q(entity_type="foreign_unregistered", ubn="")
                | (~models.Q(entity_type="foreign_unregistered") & ~models.Q(ubn="")),
                name="firm_ubn_iff_registered_in_taiwan",
                violation_error_message=_(
                    "Only a foreign firm without Taiwan registration may lack a UBN."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.ubn})" if self.ubn else f"{self.name} [{self.country}]"

    def clean(self):
        self.country = normalize_text(self.country).upper()
        self.ubn = normalize_ubn(self.ubn)
        if self.entity_type == EntityType.FOREIGN_UNREGISTERED:
            if self.ubn:
                raise ValidationError(
                    {"ubn": _("A foreign firm without Taiwan registration has no UBN.")}
                )
            if self.country == "TW":
                raise ValidationError(
                    {"country": _("A foreign firm's country cannot be Taiwan (TW).")}
                )
        elif not self.ubn:
            raise ValidationError(
                {"ubn": _("Give the 8-digit UBN of a firm registered in Taiwan.")}
            )

    @property
    def natural_key_text(self) -> str:
        return self.ubn or f"{self.name} / {self.country}"


class Membership(models.Model):
    """A firm's or a person's membership of one alliance in one programme year (M5), with
    the counting verdict of rules M1–M4 stored beside it."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        verbose_name=_("alliance-year"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    firm = models.ForeignKey(
        Firm,
        verbose_name=_("firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    person_name = models.CharField(_("member's name (individual)"), max_length=100, blank=True)
    entered_kind = models.CharField(_("kind as entered"), max_length=12, choices=MemberKind.choices)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    annual_fee = models.PositiveIntegerField(
        _("agreed annual fee (NT$)"), default=0, validators=[MaxValueValidator(10_000_000_000)]
    )
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Verdict of members.rules.member_kind, recomputed when the firm's facts change.
    counted_kind = models.CharField(_("counted as"), max_length=12, choices=MemberKind.choices)
    rule = models.CharField(_("rule"), max_length=4)
    rule_params = models.JSONField(_("rule parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["alliance_year", "entered_kind", "firm__name", "person_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance_year", "firm"],
                condition=models.Q(firm__isnull=False),
                name="membership_firm_once_per_alliance_year",
                violation_error_message=_(
                    "This firm is a member of the alliance in this year already (M5)."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(entered_kind="individual")
                    & models.Q(firm__isnull=True)
                    & ~models.Q(person_name="")
                )
                | (~models.Q(entered_kind="individual") & models.Q(firm__isnull=False)),
                name="membership_firm_or_person",
                violation_error_message=_(
                    "An individual member needs a name and no firm; a company or other "
                    "member needs a firm."
                ),
            ),
        ]
        indexes = [models.Index(fields=["alliance_year", "counted_kind"])]

    def __str__(self):
        return self.member_name

    @property
    def member_name(self) -> str:
        return self.firm.name if self.firm_id else self.person_name

    @property
    def counts_toward_kpi(self) -> bool:
        """M4: only company members count toward the member KPI."""
        return self.counted_kind == MemberKind.COMPANY
