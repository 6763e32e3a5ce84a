"""Announcements to the alliances: posted, their audience, emailed."""

import mimetypes

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import require
from core.mail import send_templated_email
from events import permissions
from events.models import (
    Announcement,
    AnnouncementAttachment,
)
from events.services.base import EventError, absolute_url, audit_event


@transaction.atomic
def announcement_post(*, title, body, roles, fields, files, by) -> Announcement:
    require(permissions.can_manage(by))
    title, body = (title or "").strip()[:200], (body or "").strip()
    if not title or not body:
        raise EventError(_("An announcement needs a title and a text."))
    announcement = Announcement.objects.create(
        title=title, body=body, roles=sorted(set(roles)), created_by=by
    )
    announcement.fields.set(fields)
    saved = []
    try:
        for upload in files:
            if upload.size > 20 * 1024 * 1024:
                raise EventError(
                    _("%(name)s is over 20 MB; attach a smaller file.") % {"name": upload.name}
                )
            attachment = AnnouncementAttachment(
                announcement=announcement, filename=upload.name[:200]
            )
            attachment.file.save(upload.name, upload, save=False)
            saved.append(attachment)
            attachment.save()
        audit_event(
            announcement,
            "announcement.posted",
            by,
            after={"roles": announcement.roles, "fields": [f.code for f in fields]},
        )
    except Exception:
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
    return announcement


def audience(announcement) -> list:
    """The active people an announcement is addressed to (for its email): the same rule
    as who reads it (permissions.matches), over every active role."""
    from accounts.models import User
    from alliances.models import AllianceRole, RoleStatus

    chosen = {f.pk for f in announcement.fields.all()}
    people = {}
    alliance_roles = AllianceRole.objects.filter(
        status=RoleStatus.ACTIVE, user__is_active=True
    ).select_related("user", "alliance")
    for role in alliance_roles:
        if permissions.matches(
            announcement, role=role.role, field_id=role.alliance.field_id, chosen_fields=chosen
        ):
            people[role.user_id] = role.user
    for user in User.objects.filter(is_active=True).exclude(programme_role=""):
        if permissions.matches(
            announcement, role=user.programme_role, field_id=None, chosen_fields=chosen
        ):
            people[user.pk] = user
    return sorted(people.values(), key=lambda u: u.email)


@transaction.atomic
def announcement_email(*, announcement, by) -> int:
    require(permissions.can_manage(by))
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    people = audience(announcement)
    if not people:
        raise EventError(_("Nobody is addressed by this announcement."))
    attachments = [
        {
            "path": a.file.name,
            "filename": a.filename,
            "mimetype": mimetypes.guess_type(a.filename)[0] or "application/octet-stream",
        }
        for a in announcement.attachments.all()
    ]
    for user in people:
        send_templated_email(
            to=[user.email],
            template="announcement",
            context={
                "announcement": announcement,
                "url": absolute_url(
                    reverse("announcement_detail", kwargs={"nid": announcement.pk})
                ),
            },
            language=user.preferred_language,
            dedupe_key=f"announcement:{announcement.pk}:{user.pk}",
            created_by=by,
            attachments=attachments,
        )
    announcement.emailed_at = timezone.now()
    announcement.save(update_fields=["emailed_at"])
    audit_event(announcement, "announcement.emailed", by, after={"recipients": len(people)})
    return len(people)
