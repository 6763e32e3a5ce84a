"""The ledger of an alliance-year: revenue, outcomes for members and activities, each with
the verdict of the counting rules (kpi/ledger/rules.py) stored beside it (domain.md §3);
the evidence of a record; how far an accepted filing covers the ledger."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import storage

MAX_AMOUNT = 10_000_000_000


def private_storage():
    """Evidence and audit records live outside MEDIA_ROOT and are only ever served through
    a view that checks who is asking."""
    return storage.private_storage()


def evidence_path(instance, filename):
    return f"evidence/{instance.alliance_year_id}/{uuid.uuid4().hex}.{instance.extension}"


class RevenueKind(models.TextChoices):
    MEMBERSHIP_FEE = "membership_fee", _("Membership fee received")
    TECHNICAL_SERVICE = "technical_service", _("Technical service")
    OTHER_OPERATING = "other_operating", _("Other operating revenue")
    TECHNOLOGY_TRANSFER = "technology_transfer", _("Technology transfer")
    COLLABORATION = "collaboration", _("Industry–academia collaboration project")
    UNIVERSITY_INCENTIVE = "university_incentive", _("University incentive money or equipment")
    DONATED_EQUIPMENT = "donated_equipment", _("Equipment donated by a firm")
    MOST_SUBSIDY = "most_subsidy", _("MOST subsidy")


NEVER_REVENUE = {
    RevenueKind.UNIVERSITY_INCENTIVE,
    RevenueKind.DONATED_EQUIPMENT,
    RevenueKind.MOST_SUBSIDY,
}
OPERATING = {RevenueKind.MEMBERSHIP_FEE, RevenueKind.TECHNICAL_SERVICE, RevenueKind.OTHER_OPERATING}


class PayerKind(models.TextChoices):
    FIRM = "firm", _("A firm")
    GOVERNMENT = "government", _("A government body")
    UNIVERSITY = "university", _("A university or school")
    INDIVIDUAL = "individual", _("A person")
    OTHER = "other", _("Other organisation")


class Verdict(models.Model):
    """The stored verdict of one ledger record (kpi/rules.py)."""

    counted = models.BooleanField(_("counted"), default=False)
    full_amount = models.PositiveBigIntegerField(_("full amount"), default=0)
    counted_amount = models.PositiveBigIntegerField(_("counted amount"), default=0)
    rule = models.CharField(_("rule"), max_length=4, blank=True)
    rule_params = models.JSONField(_("rule parameters"), default=dict, blank=True)

    class Meta:
        abstract = True


class LedgerRecord(Verdict):
    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        verbose_name=_("alliance-year"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)
    changed_after_acceptance = models.BooleanField(
        _("changed after an accepted filing"), default=False
    )
    change_reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RevenueEntry(LedgerRecord):
    """Money the alliance received or signed for (R1–R8)."""

    kind = models.CharField(_("kind"), max_length=24, choices=RevenueKind.choices)
    membership = models.ForeignKey(
        "members.Membership",
        verbose_name=_("membership"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fee_entries",
    )
    firm = models.ForeignKey(
        "members.Firm",
        verbose_name=_("counterparty firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payer_name = models.CharField(_("payer (if not a firm on file)"), max_length=200, blank=True)
    payer_kind = models.CharField(
        _("kind of payer"), max_length=12, choices=PayerKind.choices, default=PayerKind.FIRM
    )
    amount = models.PositiveBigIntegerField(
        _("amount (NT$)"), validators=[MaxValueValidator(MAX_AMOUNT)]
    )
    freely_usable = models.BooleanField(_("freely usable by the alliance (R3)"), default=True)

    class Meta:
        verbose_name = _("revenue entry")
        verbose_name_plural = _("revenue entries")
        ordering = ["alliance_year", "kind", "date", "pk"]
        indexes = [models.Index(fields=["alliance_year", "kind", "counted"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount:,} ({self.date})"


class OutcomeKind(models.TextChoices):
    NEW_PRODUCT = "new_product", _("New product")
    NEW_TECHNOLOGY = "new_technology", _("New technology")
    PATENT_APPLICATION = "patent_application", _("Patent application")
    PATENT_GRANT = "patent_grant", _("Patent granted")
    NEW_HIRES = "new_hires", _("New hires")
    OUTPUT_VALUE = "output_value", _("Increase in output value")


class Applicant(models.TextChoices):
    FIRM = "firm", _("The member firm")
    UNIVERSITY = "university", _("The university")


class Outcome(LedgerRecord):
    """What members gained (O1–O4)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OutcomeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    firm = models.ForeignKey(
        "members.Firm",
        verbose_name=_("for which firm"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.CharField(
        _("applicant or holder (patents)"),
        max_length=12,
        choices=Applicant.choices,
        default=Applicant.FIRM,
    )
    quantity = models.PositiveIntegerField(_("persons (new hires)"), default=1)
    amount = models.PositiveBigIntegerField(
        _("output value increase (NT$)"), default=0, validators=[MaxValueValidator(MAX_AMOUNT)]
    )

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["alliance_year", "kind", "date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class ActivityKind(models.TextChoices):
    PROMOTION = "promotion", _("Promotion activity")
    SEMINAR = "seminar", _("Technical seminar")
    CONSULTING = "consulting", _("Professional consulting session")
    ONSITE = "onsite", _("On-site guidance visit")


class Activity(LedgerRecord):
    """What the alliance did (S1–S3). One event is a promotion or a seminar, never both."""

    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    firm = models.ForeignKey(
        "members.Firm",
        verbose_name=_("member firm (consulting, visits)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attendee_firms = models.ManyToManyField(
        "members.Firm", verbose_name=_("firms that attended"), blank=True, related_name="+"
    )
    other_attendees = models.PositiveIntegerField(_("other attendees"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["alliance_year", "kind", "date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"


class LedgerCoverage(models.Model):
    """An accepted filing covers the ledger of an alliance-year up to a date: records dated
    on or before it change only with a reason, and such changes are marked for the office
    in the next filing. Recorded by the office's acceptance of a filing (review issue)."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear", on_delete=models.CASCADE, related_name="ledger_coverage"
    )
    covered_through = models.DateField(_("covered through"))
    label = models.CharField(_("accepted filing"), max_length=100)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger coverage")
        verbose_name_plural = _("ledger coverage")
        ordering = ["alliance_year", "-covered_through"]

    def __str__(self):
        return f"{self.alliance_year} ≤ {self.covered_through} ({self.label})"


class Evidence(models.Model):
    """A file proving a record: pdf, jpg or png, checked by content, stored privately."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear", on_delete=models.CASCADE, related_name="+"
    )
    revenue = models.ForeignKey(
        RevenueEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    outcome = models.ForeignKey(
        Outcome, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(storage=private_storage, upload_to=evidence_path)
    extension = models.CharField(max_length=4)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(revenue__isnull=False, outcome__isnull=True, activity__isnull=True)
                    | models.Q(revenue__isnull=True, outcome__isnull=False, activity__isnull=True)
                    | models.Q(revenue__isnull=True, outcome__isnull=True, activity__isnull=False)
                ),
                name="evidence_belongs_to_one_record",
            )
        ]

    def __str__(self):
        return self.original_name


# --- Filings (domain.md §4) ------------------------------------------------------------
