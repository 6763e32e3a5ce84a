"""Exports as background work: `export_start` records what was asked and queues
`export_task`, which writes the file to private storage while counting its progress;
`exports_purge` removes expired files with their rows. A web request never builds a
workbook or a PDF itself."""

import datetime as dt
import logging
import os
import tempfile
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliances.models import ProgrammeYear
from core import audit
from core.storage import private_storage
from core.tasks import retrying_task
from reports import permissions
from reports.models import REPORT_KINDS, STALE_AFTER, Export, ExportKind
from reports.summary import LANGUAGE, SpanError, check_span

logger = logging.getLogger(__name__)

EXTENSIONS = {
    ExportKind.SUMMARY_XLSX: "xlsx",
    ExportKind.REPORT_PDF: "pdf",
    ExportKind.REGISTRY_XLSX: "xlsx",
    ExportKind.DOSSIER_ZIP: "zip",
}
MAX_WORKING = 3  # exports of one person queued or running at once


class ExportError(Exception):
    """The export cannot be started; the message says why, in the user's language."""


def retention() -> dt.timedelta:
    return dt.timedelta(hours=settings.EXPORT_RETENTION_HOURS)


def filename(export: Export) -> str:
    """The name the file downloads under, in the document's language (zh-Hant)."""
    extension = EXTENSIONS[export.kind]
    with translation.override(LANGUAGE):
        if export.kind == ExportKind.REGISTRY_XLSX:
            made = timezone.localdate().strftime("%Y%m%d")
            stem = _("portal-registry")
            return f"{stem}-{made}.{extension}"
        if export.kind == ExportKind.DOSSIER_ZIP:
            alliance = export.alliance_year.alliance
            stem = _("auditor-dossier")
            return f"{stem}-{alliance.code or alliance.pk}-{export.roc_year}.{extension}"
        if export.kind == ExportKind.SUMMARY_XLSX:
            stem = _("alliance-summary")
        else:
            stem = _("alliance-report")
    span = export.span.replace("–", "-")
    return f"{stem}-{export.roc_year}({span}).{extension}"


@transaction.atomic
def export_start(
    *,
    by,
    kind: str,
    year: int | None = None,
    first: int | None = None,
    alliance_year=None,
) -> Export:
    """Queue an export for `by`: a report of year `year` with its span from `first`
    (default: five years), the registry (no years), or the dossier of `alliance_year`; the
    same export still in progress is returned instead of a second one (a double click)."""
    alliance_id = alliance_year.alliance_id if alliance_year is not None else None
    if kind not in EXTENSIONS or not permissions.can_export(by, kind, alliance_id):
        raise ExportError(_("You may not make this export."))
    if kind == ExportKind.DOSSIER_ZIP:
        year = first = alliance_year.programme_year.roc_year
    elif kind in REPORT_KINDS:
        if year is None:
            raise ExportError(_("Say which year to export."))
        known = ProgrammeYear.objects.values_list("roc_year", flat=True)
        try:
            first = check_span(year, first, known)
        except SpanError as error:
            raise ExportError(str(error)) from error
    else:
        year = first = None
    if kind != ExportKind.DOSSIER_ZIP:
        alliance_year = None
    # The owner's row serializes their concurrent clicks.
    get_user_model().objects.select_for_update().filter(pk=by.pk).first()
    working = Export.objects.filter(
        owner=by,
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    )
    same = working.filter(
        kind=kind, roc_year=year, first_year=first, alliance_year=alliance_year
    ).first()
    if same is not None:
        return same
    if working.count() >= MAX_WORKING:
        raise ExportError(
            _("You have %(n)s exports in progress; wait for one of them to finish.")
            % {"n": MAX_WORKING}
        )
    export = Export.objects.create(
        owner=by,
        kind=kind,
        roc_year=year,
        first_year=first,
        alliance_year=alliance_year,
        total=year - first + 2 if kind in REPORT_KINDS else 1,
    )
    audit.record(
        actor=by,
        action="report.exported",
        target=export,
        alliance=alliance_year.alliance if alliance_year is not None else None,
        after={"kind": kind, "year": year, "first": first},
    )
    export_task.enqueue(export.pk)
    return export


def alliance_of(export: Export) -> int | None:
    """The alliance an export is about (a dossier's), for the permission checks."""
    return export.alliance_year.alliance_id if export.alliance_year_id else None


def _progress(export_id: int):
    def report(done: int, total: int) -> None:
        Export.objects.filter(pk=export_id).update(done=done, total=total)

    return report


# Writers of export kinds made by a layer above reports, registered by it (the registry
# workbook: workbook_import.apps). A registry, not an import: reports must not import up.
WRITERS: dict[str, Callable] = {}


def register_writer(kind: str, write: Callable) -> None:
    """`write(export, out, progress)` makes exports of `kind`."""
    WRITERS[kind] = write


def _write(export: Export, out, progress) -> None:
    if export.kind in WRITERS:
        WRITERS[export.kind](export, out, progress)
    elif export.kind == ExportKind.SUMMARY_XLSX:
        from reports.summary import write_summary

        write_summary(
            out, year=export.roc_year, first=export.first_year, progress=progress, by=export.owner
        )
    else:
        from reports.pdf import render

        out.write(render(year=export.roc_year, first=export.first_year, progress=progress))


def _export_requeued(export_id: int) -> None:
    """The worker making it died: the next run may claim it again."""
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        status=Export.Status.QUEUED
    )


def _export_given_up(export_id: int, *, error: Exception) -> None:
    now = timezone.now()
    Export.objects.filter(
        pk=export_id, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]
    ).update(
        status=Export.Status.FAILED,
        error=f"{type(error).__name__}: {error}"[:2000],
        finished_at=now,
        expires_at=now + retention(),
    )


@retrying_task(max_attempts=1, on_give_up=_export_given_up, on_requeue=_export_requeued)
def export_task(export_id: int) -> str:
    """Write the export's file, counting progress; a failure is shown to its owner."""
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING
    )
    if not claimed:
        return "taken by another run, or gone"
    export = Export.objects.select_related(
        "owner", "alliance_year__alliance", "alliance_year__programme_year"
    ).get(pk=export_id)
    if not permissions.can_export(export.owner, export.kind, alliance_of(export)):
        # their role ended meanwhile
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            error="the owner may no longer make this export",
            finished_at=timezone.now(),
            expires_at=timezone.now() + retention(),
        )
        return "refused: the owner may no longer make this export"
    storage = private_storage()
    name = f"exports/{export.owner_id}/{uuid.uuid4().hex}.{EXTENSIONS[export.kind]}"
    saved = ""
    try:
        with tempfile.TemporaryFile() as out:
            _write(export, out, _progress(export.pk))
            size = out.tell()
            out.seek(0)
            saved = storage.save(name, File(out, name=os.path.basename(name)))
        now = timezone.now()
        kept = Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
            status=Export.Status.FINISHED,
            path=saved,
            filename=filename(export),
            size=size,
            done=F("total"),
            finished_at=now,
            expires_at=now + retention(),
        )
        if not kept:  # purged meanwhile (it ran past STALE_AFTER): nobody will fetch it
            storage.delete(saved)
            return f"{export}: gone before it was ready; its file removed"
    except Exception as error:
        logger.exception("export %s failed", export.pk)
        if saved:
            storage.delete(saved)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
            expires_at=timezone.now() + retention(),
        )
        raise
    exports_purge()
    return f"{export} ready"


def exports_purge(now: dt.datetime | None = None) -> int:
    """Remove expired exports, and those stuck queued or running for a day, with their
    files (reports/receivers.py); returns how many went."""
    now = now or timezone.now()
    expired = Export.objects.filter(expires_at__lte=now) | Export.objects.filter(
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING],
        created_at__lte=now - max(retention(), STALE_AFTER),
    )
    return expired.delete()[1].get(Export._meta.label, 0)
