"""Portal-wide records: the outbound email log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One message the portal sends, rendered when it is queued, sent by a task.

    The row is the delivery log (to, subject, status, attempts) and the guard against
    double sending: a message whose status is SENT is never handed to the mailer again.
    `dedupe_key`, when given, makes queuing itself idempotent (a reminder job that runs
    twice queues one message).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RETRYING = "retrying", _("Failed, will retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.JSONField(_("to"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    # Files sent with the message: [{"path": <name in private storage>, "filename": ...,
    # "mimetype": ...}], read from private storage when the message is sent, or small text
    # kept in the row itself: [{"content": str, "filename": ..., "mimetype": ...}].
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("queued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outboundemail_unique_dedupe_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outboundemail_sent_has_sent_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


class AuditEvent(models.Model):
    """One change made through a service: who, what, when, before and after."""

    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=60)
    target_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=40)
    target_repr = models.CharField(_("object"), max_length=200)
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=_("alliance"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
    )
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["alliance", "occurred_at"]),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class ImportBatch(models.Model):
    """An uploaded workbook between its preview and its confirmation, and the record of
    what it did. The file is kept privately and removed once applied or discarded."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        PREVIEWED = "previewed", _("Previewed")
        APPLYING = "applying", _("Being saved")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")
        FAILED = "failed", _("Could not be read")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(_("scope"), max_length=20)
    alliance = models.ForeignKey(
        "alliances.Alliance", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(_("workbook"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(default=dict, blank=True)
    # The office's registry import is checked and saved by a background task
    # (workbook_import/jobs.py): rows done of the workbook's rows, and why it failed.
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("workbook import")
        verbose_name_plural = _("workbook imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life (core.workers, `manage.py portal_worker`).

    Each worker process writes its row every WORKER_HEARTBEAT_SECONDS. A task still marked
    running whose worker has not beaten for WORKER_STALE_SECONDS is put back in the queue
    or marked failed (core.workers.recover_stale_tasks); /healthz reports
    whether any worker beat recently.
    """

    worker_id = models.CharField(_("worker"), max_length=64, unique=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    queues = models.CharField(_("queues"), max_length=255)
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"), db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    tasks_run = models.PositiveIntegerField(_("tasks run"), default=0)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-beat_at"]

    def __str__(self):
        return f"{self.hostname}:{self.pid} ({self.worker_id})"
