"""The office's review of filings: its marks on items, the audit records it issues (fixed
once issued), the annual assessments and the bulk issues of a period."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kpi.filings.models import Filing, FilingKind, FilingVersion, SnapshotRecord
from kpi.ledger.models import private_storage


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
