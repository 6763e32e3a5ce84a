"""Programme events (domain.md §6) and announcements (公告).

An event belongs to a programme year that is stored, not derived from its date (the first
107 matching meeting is on 2018-01-16, in the 106 project year). Its date may be known
only to the month until fixed. Alliances register named attendees; seats are people, the
capacity is never exceeded (the event row is locked while seats are counted) and
registrations that do not fit wait in order, moving up when seats free.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _private_storage():
    from core.storage import private_storage

    return private_storage()


class EventKind(models.TextChoices):
    EXCHANGE = "exchange", _("Field exchange meeting")  # 領域觀摩交流會
    MATCHING = "matching", _("Themed matching meeting")  # 主題式產學交流媒合會
    TRAINING = "training", _("Platform training")  # 系統平台操作說明會
    OTHER = "other", _("Other programme event")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month only")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("event", "Scheduled")
    CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")


class Event(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    programme_year = models.ForeignKey(
        "alliances.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="events",
    )
    date = models.DateField(_("date"))
    date_precision = models.CharField(
        _("date known to"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    starts = models.TimeField(_("starts"), null=True, blank=True)
    ends = models.TimeField(_("ends"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=40, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    partners = models.CharField(_("partner associations"), max_length=300, blank=True)
    fields = models.ManyToManyField(
        "alliances.Field", verbose_name=_("fields"), blank=True, related_name="+"
    )
    capacity = models.PositiveIntegerField(
        _("capacity (people)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["date", "starts", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__isnull=True)
                | models.Q(starts__isnull=True)
                | models.Q(ends__gt=models.F("starts")),
                name="event_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="event_capacity_positive",
            ),
        ]
        indexes = [models.Index(fields=["programme_year", "kind", "date"])]

    def __str__(self):
        return self.title

    @property
    def month_only(self) -> bool:
        return self.date_precision == DatePrecision.MONTH

    def start_datetime(self) -> dt.datetime | None:
        """The start as an aware datetime, or None while only the month is known."""
        from django.utils import timezone

        if self.month_only:
            return None
        return timezone.make_aware(dt.datetime.combine(self.date, self.starts or dt.time(9, 0)))

    def end_datetime(self) -> dt.datetime | None:
        from django.utils import timezone

        start = self.start_datetime()
        if start is None:
            return None
        if self.ends:
            return timezone.make_aware(dt.datetime.combine(self.date, self.ends))
        return start + dt.timedelta(hours=2)


def material_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"events/{instance.event_id}/{uuid.uuid4().hex}.{ext}"


class EventMaterial(models.Model):
    """A file for an event (agenda, slides, handouts), for those who may see the event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(storage=_private_storage, upload_to=material_path)
    filename = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["event", "pk"]

    def __str__(self):
        return self.title


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", pgettext_lazy("registration", "Cancelled")


class Registration(models.Model):
    """An alliance's registration for an event: its named attendees take one seat each."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    alliance = models.ForeignKey(
        "alliances.Alliance",
        verbose_name=_("alliance"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    seats = models.PositiveSmallIntegerField(_("seats"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "registered_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "alliance"],
                condition=~models.Q(status="cancelled"),
                name="registration_one_live_per_alliance",
            ),
            models.CheckConstraint(condition=models.Q(seats__gt=0), name="registration_seats"),
        ]

    def __str__(self):
        return f"{self.event} · {self.alliance}"


class Attendee(models.Model):
    """A named person of a registration; the office marks whether they attended."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="attendees"
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["registration", "pk"]

    def __str__(self):
        return self.name


class Audience(models.TextChoices):
    PI = "pi", _("PIs")
    CO_PI = "co_pi", _("Co-PIs")
    ASSISTANT = "assistant", _("Assistants")
    OFFICE = "office", _("Programme office")
    VIEWER = "viewer", _("Department viewers")
    REVIEWER = "reviewer", _("Site-visit reviewers")


class Announcement(models.Model):
    """A notice of the office (公告) to everyone, or to chosen roles and/or fields."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    roles = models.JSONField(
        _("roles"), default=list, blank=True, help_text=_("None chosen: everyone.")
    )
    fields = models.ManyToManyField(
        "alliances.Field", verbose_name=_("fields"), blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-published_at", "-pk"]

    def __str__(self):
        return self.title


def attachment_path(instance, filename):
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"announcements/{instance.announcement_id}/{uuid.uuid4().hex}.{ext}"


class AnnouncementAttachment(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=_private_storage, upload_to=attachment_path)
    filename = models.CharField(max_length=200)

    class Meta:
        ordering = ["announcement", "pk"]

    def __str__(self):
        return self.filename
