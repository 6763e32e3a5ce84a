"""The one way the portal sends email.

    send_templated_email(to=["pi@example.org"], template="welcome", context={...},
                         language="zh-hant")

renders templates/email/<template>.subject.txt, .txt and (optionally) .html in the
recipient's language, stores an OutboundEmail row and enqueues `deliver_email`. Call it
inside the transaction of the change that causes the message: with the database task
backend the queued task commits or rolls back with it.

Delivery is at-least-once towards the mail server and exactly-once as far as our log can
tell: the row is locked while it is sent and marked SENT in the same transaction, so a
task that runs again (retry, duplicate enqueue) finds SENT and sends nothing.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.models import OutboundEmail
from core.storage import private_storage
from core.tasks import retrying_task

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The mailer raised; the message stays unsent and the task is retried."""


def _render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        subject = render_to_string(f"email/{template}.subject.txt", context)
        text = render_to_string(f"email/{template}.txt", context)
        # Every message ends with the portal's name and address (email/_footer.txt).
        text = text.rstrip("\n") + "\n" + render_to_string("email/_footer.txt", portal())
        try:
            html = render_to_string(f"email/{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


def portal() -> dict:
    """The portal as emails name it: its name (PORTAL_SITE_NAME, as the site row and
    allauth's messages) and the address it is served at (PORTAL_BASE_URL)."""
    return {"portal_name": settings.PORTAL_SITE_NAME, "portal_url": settings.PORTAL_BASE_URL + "/"}


def send_templated_email(
    *,
    to: list[str],
    template: str,
    context: dict | None = None,
    language: str | None = None,
    dedupe_key: str = "",
    created_by=None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Render templates/email/<template>.* in `language` and queue the message.

    `attachments`: [{"path": name in private storage, "filename": ..., "mimetype": ...}],
    read when the message is sent (so a retry sends the same file), or, for small text such
    as an .ics invitation, [{"content": str, "filename": ..., "mimetype": ...}]."""
    language = language or settings.LANGUAGE_CODE
    if dedupe_key:
        existing = OutboundEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    subject, text, html = _render(template, context or {}, language)
    return queue_email(
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        template=template,
        language=language,
        dedupe_key=dedupe_key,
        created_by=created_by,
        attachments=attachments,
    )


def queue_email(
    *,
    to: list[str],
    subject: str,
    body_text: str,
    body_html: str = "",
    template: str,
    language: str,
    dedupe_key: str = "",
    created_by=None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Log an already rendered message and enqueue its delivery (used by
    send_templated_email and by allauth's adapter). With a dedupe_key already used,
    returns the existing row and queues nothing."""
    if not to:
        raise ValueError("an email needs at least one recipient")
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                to=list(to),
                subject=" ".join(subject.split())[:255],
                body_text=body_text,
                body_html=body_html,
                template=template,
                language=language,
                dedupe_key=dedupe_key,
                created_by=created_by,
                attachments=list(attachments or []),
            )
            deliver_email.enqueue(email.pk)
    except IntegrityError:
        if dedupe_key:  # queued by a concurrent caller a moment ago
            return OutboundEmail.objects.get(dedupe_key=dedupe_key)
        raise
    return email


def _give_up(email_id: int, *, error: Exception) -> None:
    unsent = OutboundEmail.objects.filter(pk=email_id).exclude(status=OutboundEmail.Status.SENT)
    unsent.update(status=OutboundEmail.Status.FAILED)
    # A worker that died mid-send left no error of its own: say why it was given up.
    unsent.filter(last_error="").update(last_error=f"{type(error).__name__}: {error}"[:2000])


@retrying_task(queue_name="email", on_give_up=_give_up)
def deliver_email(email_id: int) -> str:
    """Send one logged message unless it has been sent already."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None:
            return "missing"
        if email.status == OutboundEmail.Status.SENT:
            return "already-sent"
        email.attempts += 1
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to,
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        try:
            for item in email.attachments:
                if "content" in item:  # small text written with the message (an .ics)
                    message.attach(item["filename"], item["content"], item["mimetype"])
                    continue
                with private_storage().open(item["path"], "rb") as handle:
                    message.attach(item["filename"], handle.read(), item["mimetype"])
            message.send()
        except Exception as exc:  # any mailer error: log it, keep the row, retry later
            email.status = OutboundEmail.Status.RETRYING
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.save(update_fields=["attempts", "status", "last_error"])
            error = exc
        else:
            email.status = OutboundEmail.Status.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
            email.save(update_fields=["attempts", "status", "last_error", "sent_at"])
            return "sent"
    raise DeliveryFailed(str(error)) from error
