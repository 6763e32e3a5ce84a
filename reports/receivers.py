"""An export's file goes with its row, however the row goes (purged, or with its owner)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from core.storage import private_storage
from reports.models import Export


@receiver(post_delete, sender=Export)
def export_file_removed(sender, instance, **kwargs):
    if instance.path:
        path = instance.path
        transaction.on_commit(lambda: private_storage().delete(path))
