"""Announcement pages (公告): the list and the page of each, for the people they are
addressed to (events/permissions.py: the office and the department read all); the
attachments; the office's form to post one and its button to email it. What a user may
not see is 404."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import office_view
from events import permissions, services
from events.forms.announcements import AnnouncementForm
from events.models import Announcement, AnnouncementAttachment, Audience
from events.services import EventError


def _announcement(request, nid) -> Announcement:
    announcement = (
        Announcement.objects.prefetch_related("fields", "attachments").filter(pk=nid).first()
    )
    if announcement is None or not permissions.is_addressed(request.user, announcement):
        raise Http404
    return announcement


def addressed_label(announcement) -> str:
    """Who an announcement is for, in words: "Everyone", "PIs, Co-PIs · 機電材料"."""
    parts = []
    roles = [str(label) for value, label in Audience.choices if value in announcement.roles]
    if roles:
        parts.append(", ".join(roles))
    fields = [f.name for f in announcement.fields.all()]
    if fields:
        parts.append(", ".join(fields))
    return " · ".join(parts) if parts else _("Everyone")


@login_required
@require_GET
def announcement_list(request):
    """The announcements addressed to the user, newest first (empty for someone with no
    role yet)."""
    announcements = permissions.addressed_to(request.user)
    for announcement in announcements:
        announcement.addressed = addressed_label(announcement)
    return render(
        request,
        "events/announcement_list.html",
        {"announcements": announcements, "can_manage": permissions.can_manage(request.user)},
    )


@login_required
@require_GET
def announcement_detail(request, nid):
    announcement = _announcement(request, nid)
    return render(
        request,
        "events/announcement_detail.html",
        {
            "announcement": announcement,
            "addressed": addressed_label(announcement),
            "can_manage": permissions.can_manage(request.user),
        },
    )


@login_required
@require_GET
def announcement_file(request, nid, file_id):
    announcement = _announcement(request, nid)
    attachment = get_object_or_404(AnnouncementAttachment, pk=file_id, announcement=announcement)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(attachment.filename)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=True,
        filename=attachment.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _emailed_message(n: int) -> str:
    return ngettext(
        "The announcement is emailed to %(n)s person.",
        "The announcement is emailed to %(n)s people.",
        n,
    ) % {"n": n}


@office_view
@require_http_methods(["GET", "POST"])
def announcement_new(request):
    """Post an announcement to everyone or to chosen roles and/or fields, with
    attachments; optionally email it at once."""
    posted = request.method == "POST"
    form = AnnouncementForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = services.announcement_post(
                title=data["title"],
                body=data["body"],
                roles=data["roles"],
                fields=list(data["fields"]),
                files=data["files"],
                by=request.user,
            )
        except EventError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The announcement “%(title)s” is posted.") % {"title": announcement}
            )
            if data["email_now"]:
                try:
                    n = services.announcement_email(announcement=announcement, by=request.user)
                except EventError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _emailed_message(n))
            return redirect("announcement_detail", nid=announcement.pk)
    return render(
        request,
        "events/announcement_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@office_view
@require_POST
def announcement_email(request, nid):
    announcement = get_object_or_404(Announcement, pk=nid)
    try:
        n = services.announcement_email(announcement=announcement, by=request.user)
    except EventError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _emailed_message(n))
    return redirect("announcement_detail", nid=announcement.pk)
