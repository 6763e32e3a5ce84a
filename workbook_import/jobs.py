"""The office's registry import in the background (docs/security.md, "uploads").

The registry holds every alliance's sheets: up to IMPORT_LIMITS["office_rows"] rows a sheet,
more than a request should wait for (a member row costs ~7 ms to check). So the upload is
read once within the limits in the request (a damaged or oversized file is refused there
and then), kept as an ImportBatch, and checked by `check_import` in a worker; the office
confirms the preview and `apply_import` saves it, all or nothing, in a worker too. Both
count the rows done on the batch, which the batch's page follows.

The counting is written through a connection of its own (PostgreSQL only): the import's
own transaction would hide it until the end. On SQLite (development) the page shows the
state without counts.
"""

import logging

from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import audit
from core.models import ImportBatch
from core.tasks import retrying_task
from core.workbooks import WorkbookError
from workbook_import.engine import count_rows, run_workbook

logger = logging.getLogger(__name__)


def queue_check(
    *, user, scope: str, data: bytes, filename: str, alliance=None, language: str = ""
) -> ImportBatch:
    """Read the workbook once within the limits (WorkbookError if it cannot be used) and
    queue its check; the batch is the user's to follow."""
    total = count_rows(data, scope=scope)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            user=user,
            scope=scope,
            alliance=alliance,
            filename=filename[:200],
            content=data,
            status=ImportBatch.Status.CHECKING,
            total=total,
        )
        check_import.enqueue(batch.pk, language or translation.get_language())
    return batch


def queue_apply(batch: ImportBatch, *, by, language: str = "") -> bool:
    """Queue the saving of a previewed batch; False if it is not (or no longer) previewed."""
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(
            pk=batch.pk, user=by, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.APPLYING, done=0, error="")
        if claimed:
            apply_import.enqueue(batch.pk, language or translation.get_language())
    return bool(claimed)


def discard(batch: ImportBatch, *, by) -> bool:
    return bool(
        ImportBatch.objects.filter(
            pk=batch.pk, user=by, status=ImportBatch.Status.PREVIEWED
        ).update(status=ImportBatch.Status.DISCARDED, content=b"")
    )


def progress_writer(batch_id: int):
    """A callable writing the rows done, outside the import's transaction (PostgreSQL)."""
    if connections["default"].vendor != "postgresql":
        return None
    connection = connections.create_connection("default")

    def write(done: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportBatch._meta.db_table} SET done = %s WHERE id = %s",  # noqa: S608
                    [done, batch_id],
                )
        except Exception:  # progress is a courtesy: never fail the import for it
            logger.warning("could not write the progress of import %s", batch_id, exc_info=True)

    write.close = connection.close
    return write


def _run(batch: ImportBatch, *, dry_run: bool):
    progress = progress_writer(batch.pk)
    try:
        return run_workbook(
            bytes(batch.content),
            user=batch.user,
            scope=batch.scope,
            alliance=batch.alliance,
            dry_run=dry_run,
            progress=progress,
        )
    finally:
        if progress is not None:
            progress.close()


def _failed(batch_id: int, language: str = "", *, error: Exception) -> None:
    ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.CHECKING, ImportBatch.Status.APPLYING]
    ).update(
        status=ImportBatch.Status.FAILED,
        error="",  # the page says it went wrong, in the reader's language
        content=b"",
    )
    logger.error("import %s failed: %s: %s", batch_id, type(error).__name__, error)


def _requeued(batch_id: int, language: str = "") -> None:
    """Its worker died: the next run starts the rows again."""
    ImportBatch.objects.filter(pk=batch_id).update(done=0)


@retrying_task(max_attempts=1, on_give_up=_failed, on_requeue=_requeued)
def check_import(batch_id: int, language: str = "") -> str:
    """Its messages are stored: in the language of the page that queued it."""
    batch = ImportBatch.objects.select_related("user", "alliance").get(pk=batch_id)
    with translation.override(language or batch.user.preferred_language):
        return _check(batch)


def _check(batch: ImportBatch) -> str:
    batch_id = batch.pk
    if batch.status != ImportBatch.Status.CHECKING:
        return f"import {batch_id}: {batch.status}, nothing to check"
    try:
        report = _run(batch, dry_run=True)
    except WorkbookError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=str(error), content=b""
        )
        return f"import {batch_id}: refused"
    ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKING).update(
        status=ImportBatch.Status.PREVIEWED, summary=report.as_dict(), done=batch.total
    )
    return f"import {batch_id}: previewed, {report.totals()}"


@retrying_task(max_attempts=1, on_give_up=_failed, on_requeue=_requeued)
def apply_import(batch_id: int, language: str = "") -> str:
    batch = ImportBatch.objects.select_related("user", "alliance").get(pk=batch_id)
    with translation.override(language or batch.user.preferred_language):
        return _apply(batch)


def _apply(batch: ImportBatch) -> str:
    batch_id = batch.pk
    if batch.status != ImportBatch.Status.APPLYING:
        return f"import {batch_id}: {batch.status}, nothing to save"
    try:
        with transaction.atomic():
            report = _run(batch, dry_run=False)
            if report.ok:
                ImportBatch.objects.filter(pk=batch.pk).update(
                    status=ImportBatch.Status.APPLIED,
                    applied_at=timezone.now(),
                    summary=report.as_dict(),
                    content=b"",
                    done=batch.total,
                )
                audit.record(
                    actor=batch.user,
                    action="import.applied",
                    target=batch,
                    alliance=batch.alliance,
                    before={},
                    after=report.totals(),
                )
    except WorkbookError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, error=str(error), content=b""
        )
        return f"import {batch_id}: refused"
    if not report.ok:  # the registry changed since the preview: show why, keep the file
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.PREVIEWED,
            summary=report.as_dict(),
            error=_("Nothing was saved: the workbook no longer passes the checks."),
        )
        return f"import {batch_id}: no longer passes"
    return f"import {batch_id}: applied, {report.totals()}"
