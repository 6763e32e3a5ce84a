"""Checks across alliances (docs/rules.md, X1–X6): what one filing cannot show.

A run checks a whole programme year and replaces that year's findings; pages read the
stored findings, never the checks themselves."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    class Trigger(models.TextChoices):
        SUBMISSION = "submission", _("A filing was submitted")
        NIGHTLY = "nightly", _("Nightly")
        OFFICE = "office", _("The programme office")

    programme_year = models.ForeignKey(
        "alliances.ProgrammeYear", on_delete=models.CASCADE, related_name="+"
    )
    trigger = models.CharField(_("started by"), max_length=12, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    findings = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["programme_year", "status"])]

    def __str__(self):
        return f"{self.programme_year} {self.status}"


class CrossFinding(models.Model):
    """One check's finding about one alliance-year. A finding that concerns two alliances
    (the same contract in both) is stored once for each, each naming the other."""

    programme_year = models.ForeignKey(
        "alliances.ProgrammeYear", on_delete=models.CASCADE, related_name="+"
    )
    check_id = models.CharField(_("check"), max_length=4)
    alliance_year = models.ForeignKey(
        "alliances.AllianceYear", on_delete=models.CASCADE, related_name="cross_findings"
    )
    field = models.ForeignKey("alliances.Field", on_delete=models.CASCADE, related_name="+")
    other_alliance_year = models.ForeignKey(
        "alliances.AllianceYear", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # [{"source": "revenue" | "membership", "id": …, "alliance_year": …}], both sides
    records = models.JSONField(default=list, blank=True)
    params = models.JSONField(default=dict, blank=True)  # the figures of its sentence
    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["check_id", "alliance_year", "pk"]
        indexes = [
            models.Index(fields=["programme_year", "check_id"]),
            models.Index(fields=["alliance_year", "check_id"]),
        ]

    def __str__(self):
        return f"{self.check_id} {self.alliance_year}"
