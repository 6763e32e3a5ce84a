"""Where private files live: evidence and audit records, outside MEDIA_ROOT, served only
through views that check who is asking (and read by the mailer for attachments)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)
