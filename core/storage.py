"""Where private files live: evidence, audit records, visit summaries, event materials and
exports — never under MEDIA_URL, served only through views that check who is asking (and
read by the mailer for attachments).

The backend is the ``private`` entry of settings.STORAGES: the local disk under
PRIVATE_MEDIA_ROOT (``STORAGE_BACKEND=local``) or a private prefix of an S3-compatible
bucket (``STORAGE_BACKEND=s3``, django-storages). Code asks for ``private_storage()`` and
reads and writes through the Storage API only (open/save/delete/exists), never through
local paths, so both backends behave alike.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """The local disk under PRIVATE_MEDIA_ROOT, read at each use (tests move it)."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> Storage:
    return storages["private"]
