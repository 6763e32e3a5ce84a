"""The ledger of an alliance-year: revenue, outcomes for members and activities, each with
the verdict of the counting rules (kpi/rules.py) stored beside it (domain.md §3)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class FilingKind(models.TextChoices):
    EXPECTED = "expected", _("Expected outcomes")
    FIRST = "first", _("First KPI filing")
    SECOND = "second", _("Second KPI filing")


class FilingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    RETURNED = "returned", _("Returned for correction")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")


# The alliance may prepare and submit a filing in these states; in every other state the
# filing is with the office (or final) and nothing of it changes on the alliance's side.
OPEN_STATES = (FilingState.DRAFT, FilingState.RETURNED)


class Filing(models.Model):
    """One of the three filings of an alliance-year: its state and, for expected outcomes,
    the targets being prepared. What was submitted lives in FilingVersion (never changed)."""

    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        verbose_name=_("alliance-year"),
        on_delete=models.CASCADE,
        related_name="filings",
    )
    kind = models.CharField(_("filing"), max_length=10, choices=FilingKind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=FilingState.choices, default=FilingState.DRAFT
    )
    targets = models.JSONField(_("targets being prepared"), default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)  # optimistic concurrency on targets
    correction_due = models.DateField(_("corrections due"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")
        ordering = ["alliance_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["alliance_year", "kind"], name="filing_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=FilingKind.values), name="filing_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=FilingState.values), name="filing_state_known"
            ),
        ]
        indexes = [models.Index(fields=["kind", "state"])]

    def __str__(self):
        return f"{self.alliance_year} · {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class FilingVersion(models.Model):
    """A submitted filing, frozen: who certified it, when, the period it covers, the
    warnings it was submitted with, its items (SnapshotItem) and the verdicts of the
    records behind them (SnapshotRecord). Rows are only ever added."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    through = models.DateField(_("figures through"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_name = models.CharField(_("certified by (name)"), max_length=100)
    statement = models.TextField(_("certification statement"))
    warnings = models.JSONField(_("warnings at submission"), default=list, blank=True)
    # Past years' accepted figures imported by the office (kpi/historic.py): items only.
    imported = models.BooleanField(_("imported"), default=False)

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["filing", "number"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "number"], name="filingversion_unique")
        ]

    def __str__(self):
        return f"{self.filing} v{self.number}"


class SnapshotItem(models.Model):
    """One catalog item (kpi.catalog) of a submitted version: everything entered for it (at
    full amount, counted or not), what the rules count, and the target."""

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("item"), max_length=12)
    entered = models.BigIntegerField(_("entered (full)"), null=True, blank=True)
    counted = models.BigIntegerField(_("counted"), null=True, blank=True)
    target = models.BigIntegerField(_("target"), null=True, blank=True)

    class Meta:
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="snapshotitem_unique")
        ]

    def __str__(self):
        return f"{self.version} {self.code}"


class SnapshotRecord(models.Model):
    """A ledger record or membership behind a submitted version, with its verdict as it
    stood at submission."""

    class Source(models.TextChoices):
        MEMBERSHIP = "membership", _("Member")
        REVENUE = "revenue", _("Revenue")
        OUTCOME = "outcome", _("Outcome")
        ACTIVITY = "activity", _("Activity")

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="records")
    source = models.CharField(max_length=10, choices=Source.choices)
    record_id = models.PositiveBigIntegerField()
    record_version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=24)
    kind_label = models.CharField(max_length=100)
    date = models.DateField(null=True, blank=True)
    label = models.CharField(max_length=300)
    amount = models.BigIntegerField(default=0)
    counted = models.BooleanField(default=False)
    counted_amount = models.BigIntegerField(default=0)
    rule = models.CharField(max_length=4, blank=True)
    rule_params = models.JSONField(default=dict, blank=True)
    evidence_files = models.PositiveSmallIntegerField(default=0)
    changed_after_acceptance = models.BooleanField(default=False)
    change_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "source", "kind", "date", "record_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "source", "record_id"], name="snapshotrecord_unique"
            )
        ]

    def __str__(self):
        return f"{self.version} {self.source}#{self.record_id}"

    @property
    def kind_display(self) -> str:
        """The kind in the reader's language (kind_label keeps the submitter's words)."""
        from members.models import MemberKind

        choices = {
            "membership": MemberKind,
            "revenue": RevenueKind,
            "outcome": OutcomeKind,
            "activity": ActivityKind,
        }.get(self.source)
        try:
            return str(choices(self.kind).label)
        except (TypeError, ValueError):
            return self.kind_label


class FilingTransition(models.Model):
    """One step of a filing's routing history: who moved it from which state to which, when,
    and why. Internal notes are for the office only."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=FilingState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=FilingState.choices)
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    internal = models.BooleanField(default=False)

    class Meta:
        ordering = ["filing", "at", "pk"]

    def __str__(self):
        return f"{self.filing}: {self.from_state or '—'} → {self.to_state}"


class FilingExtension(models.Model):
    """The office lets one alliance submit one filing after its deadline, until the end of
    a day (Asia/Taipei), for a reason. The latest grant counts."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="extensions")
    until = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["filing", "-granted_at", "-pk"]

    def __str__(self):
        return f"{self.filing} → {self.until}"


# --- The office's review (domain.md §4) --------------------------------------------------


class MarkVerdict(models.TextChoices):
    ACCEPTED = "accepted", pgettext_lazy("review mark", "Accepted")
    FLAGGED = "flagged", pgettext_lazy("review mark", "Flagged")


class ReviewMark(models.Model):
    """The office's verdict on one catalog item, or one record, of a submitted version.

    One current mark per item or record; `revision` makes each save conditional on the mark
    the reviewer saw, so two reviewers never overwrite each other (kpi/review.py). The
    reason is written for the alliance; the note stays inside the office."""

    version = models.ForeignKey(FilingVersion, on_delete=models.CASCADE, related_name="marks")
    code = models.CharField(_("item"), max_length=12, blank=True)
    record = models.ForeignKey(
        SnapshotRecord, null=True, blank=True, on_delete=models.CASCADE, related_name="marks"
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=MarkVerdict.choices)
    rule = models.CharField(_("rule"), max_length=4, blank=True)
    reason = models.TextField(_("reason (for the alliance)"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    revision = models.PositiveIntegerField(default=1)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("review mark")
        verbose_name_plural = _("review marks")
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                condition=models.Q(record__isnull=True),
                name="reviewmark_one_per_item",
            ),
            models.UniqueConstraint(
                fields=["version", "record"],
                condition=models.Q(record__isnull=False),
                name="reviewmark_one_per_record",
            ),
            models.CheckConstraint(
                condition=(models.Q(record__isnull=True) & ~models.Q(code=""))
                | (models.Q(record__isnull=False) & models.Q(code="")),
                name="reviewmark_item_or_record",
            ),
            models.CheckConstraint(
                condition=models.Q(verdict="accepted") | ~models.Q(reason=""),
                name="reviewmark_flag_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.version} {self.code or self.record_id}: {self.verdict}"


def audit_record_path(instance, filename):
    return f"audit-records/{instance.roc_year}/{instance.number}-{uuid.uuid4().hex[:8]}.pdf"


class ImmutableError(Exception):
    """An issued audit record is never changed."""


class AuditRecord(models.Model):
    """查核記錄: the office's findings on one submitted version of a KPI filing, numbered
    per year and period, frozen as issued (the findings as JSON and the PDF sent)."""

    PERIOD_NUMBERS = {"first": 1, "second": 2}

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="audit_records")
    version = models.OneToOneField(
        FilingVersion, on_delete=models.PROTECT, related_name="audit_record"
    )
    roc_year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("filing"), max_length=10, choices=FilingKind.choices)
    serial = models.PositiveIntegerField(_("serial"))
    findings = models.JSONField(_("findings"), default=list, blank=True)
    correction_due = models.DateField(_("corrections due"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    pdf = models.FileField(storage=private_storage, upload_to=audit_record_path)
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["roc_year", "period", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["roc_year", "period", "serial"], name="auditrecord_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period__in=["first", "second"]), name="auditrecord_kpi_only"
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("an issued audit record is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("an issued audit record is never deleted")

    @property
    def number(self) -> str:
        """106-1-003: the year, the period (1 first, 2 second filing), the serial."""
        return f"{self.roc_year}-{self.PERIOD_NUMBERS.get(self.period, 0)}-{self.serial:03d}"

    @property
    def has_findings(self) -> bool:
        return bool(self.findings)

    def pdf_bytes(self) -> bytes:
        """The stored PDF, checked against the SHA-256 taken when it was issued."""
        import hashlib

        with self.pdf.open("rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ImmutableError(f"the stored PDF of audit record {self.number} was altered")
        return data


class AssessmentOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    CONDITIONS = "conditions", _("Continue with conditions")
    TERMINATE = "terminate", _("Terminate the subsidy")


class Assessment(models.Model):
    """The office's annual assessment of an alliance-year after its second filing."""

    alliance_year = models.OneToOneField(
        "alliances.AllianceYear", on_delete=models.CASCADE, related_name="assessment"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=AssessmentOutcome.choices)
    reasons = models.TextField(_("reasons"))
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("annual assessment")
        verbose_name_plural = _("annual assessments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=AssessmentOutcome.values),
                name="assessment_outcome_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="conditions") | ~models.Q(conditions=""),
                name="assessment_conditions_given",
            ),
        ]

    def __str__(self):
        return f"{self.alliance_year}: {self.get_outcome_display()}"


class BulkIssue(models.Model):
    """The office issues the audit records of every reviewed filing of a period at once; a
    task does the work and counts its progress here."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    roc_year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("filing"), max_length=10, choices=FilingKind.choices)
    correction_due = models.DateField(_("corrections due"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    filing_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0)
    issued = models.JSONField(default=list, blank=True)
    failures = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.roc_year} {self.period} ×{len(self.filing_ids)}"

    @property
    def total(self) -> int:
        return len(self.filing_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
