"""Exports made in the background (the summary workbook, the printable report, the
registry workbook, an alliance-year's auditor's dossier): who asked, for what, how far the
task has got, and the file it left, kept for its owner until it expires
(settings.EXPORT_RETENTION_HOURS) and then removed with its file."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# A queued or running export older than this is dead (its worker stopped): it is shown as
# stopped, no longer counts as in progress, and is purged.
STALE_AFTER = dt.timedelta(hours=1)


class ExportKind(models.TextChoices):
    SUMMARY_XLSX = "summary_xlsx", _("Summary workbook (Excel)")
    REPORT_PDF = "report_pdf", _("Printable report (PDF)")
    REGISTRY_XLSX = "registry_xlsx", _("Registry workbook (Excel)")
    DOSSIER_ZIP = "dossier_zip", _("Auditor's dossier (zip)")


# The exports of a year and a span of years (the registry has none).
REPORT_KINDS = (ExportKind.SUMMARY_XLSX, ExportKind.REPORT_PDF)


class Export(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export", "Queued")
        RUNNING = "running", pgettext_lazy("export", "Being made")
        FINISHED = "finished", pgettext_lazy("export", "Ready")
        FAILED = "failed", pgettext_lazy("export", "Failed")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports"
    )
    kind = models.CharField(_("export"), max_length=20, choices=ExportKind.choices)
    # The span of a report export; none for the registry.
    roc_year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    first_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    # The alliance-year of a dossier (made by the dossier package); none for the others.
    alliance_year = models.ForeignKey(
        "alliances.AllianceYear",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=1)
    path = models.CharField(max_length=200, blank=True)  # in private storage
    filename = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_year__lte=models.F("roc_year")),
                name="export_span_forwards",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.span}".strip()

    @property
    def span(self) -> str:
        if self.roc_year is None:
            return ""
        if self.alliance_year_id is not None:  # a dossier: the alliance's code and its year
            alliance = self.alliance_year.alliance
            return f"{alliance.code or alliance.name_zh} {self.roc_year}"
        if self.first_year == self.roc_year:
            return str(self.roc_year)
        return f"{self.first_year}–{self.roc_year}"

    @property
    def working(self) -> bool:
        """Queued or being made, and not stale (a worker that died leaves it so)."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.stale

    @property
    def stale(self) -> bool:
        return (
            self.status in (self.Status.QUEUED, self.Status.RUNNING)
            and self.created_at is not None
            and self.created_at < timezone.now() - STALE_AFTER
        )

    @property
    def step(self) -> int:
        """The step being made, counted from 1 ("step 1 of 6" while the first is made):
        `done` counts the steps finished."""
        return max(1, min(self.done + 1, self.total))

    @property
    def percent(self) -> int:
        if self.status == self.Status.FINISHED:
            return 100
        return min(99, 100 * self.done // self.total) if self.total else 0

    @property
    def downloadable(self) -> bool:
        return (
            self.status == self.Status.FINISHED
            and bool(self.path)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )
