"""The one import screen: upload → preview (nothing saved) → confirm (all or nothing)."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from core.http import int_param, xlsx_response  # noqa: F401  (pages import it from here)
from core.models import ImportBatch
from core.workbooks import WorkbookError, read_upload
from workbook_import import jobs
from workbook_import.engine import export_workbook, run_workbook, sheets_for


class UploadForm(forms.Form):
    workbook = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        help_text=gettext_lazy("At most 2 MB. Nothing is saved before you confirm the preview."),
    )


def _locked_batch(request, *, scope, alliance) -> ImportBatch:
    """The user's own previewed batch, locked so that it is applied at most once."""
    return get_object_or_404(
        ImportBatch.objects.select_for_update(),
        pk=int_param(request.POST.get("batch")) or 0,
        user=request.user,
        scope=scope,
        alliance=alliance,
        status=ImportBatch.Status.PREVIEWED,
    )


def _apply(request, *, scope, alliance, back_url):
    """Apply (checked again, all or nothing) or discard a previewed batch. Returns a
    redirect when done, or (batch, report) to show why nothing was saved."""
    with transaction.atomic():
        batch = _locked_batch(request, scope=scope, alliance=alliance)
        if "discard" in request.POST:
            batch.status = ImportBatch.Status.DISCARDED
            batch.content = b""
            batch.save(update_fields=["status", "content"])
            messages.info(request, _("The import was discarded; nothing was saved."))
            return redirect(request.path), None
        report = run_workbook(
            bytes(batch.content), user=request.user, scope=scope, alliance=alliance, dry_run=False
        )
        if not report.ok:
            messages.error(
                request, _("Nothing was saved: the workbook no longer passes the checks.")
            )
            return batch, report
        batch.status = ImportBatch.Status.APPLIED
        batch.applied_at = timezone.now()
        batch.summary = report.as_dict()
        batch.content = b""
        batch.save(update_fields=["status", "applied_at", "summary", "content"])
        audit.record(
            actor=request.user,
            action="import.applied",
            target=batch,
            alliance=alliance,
            before={},
            after=report.totals(),
        )
    messages.success(
        request,
        _("Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.") % report.totals(),
    )
    return redirect(back_url), None


def import_page(request, *, scope: str, alliance=None, back_url: str, template_url: str):
    """GET: the upload form. POST with a file: preview it and keep it as an ImportBatch.
    POST with a batch id: apply that batch (checked again) or discard it."""
    form = UploadForm()
    batch = None
    report = None
    if request.method == "POST" and "batch" in request.POST:
        outcome, report = _apply(request, scope=scope, alliance=alliance, back_url=back_url)
        if report is None:
            return outcome
        batch = outcome
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["workbook"]
            try:
                data = read_upload(upload)
                report = run_workbook(
                    data, user=request.user, scope=scope, alliance=alliance, dry_run=True
                )
            except WorkbookError as error:
                form.add_error("workbook", str(error))
            else:
                batch = ImportBatch.objects.create(
                    user=request.user,
                    scope=scope,
                    alliance=alliance,
                    filename=upload.name[:200],
                    content=data,
                    summary=report.as_dict(),
                )
    return render(
        request,
        "imports/import.html",
        {
            "form": form,
            "batch": batch,
            "report": report,
            "sheets": [
                (s.name, [f.column_name for f in s.resource_class().get_export_fields()])
                for s in sheets_for(scope)
            ],
            "alliance": alliance,
            "back_url": back_url,
            "template_url": template_url,
        },
    )


def template_download(*, scope: str):
    if not sheets_for(scope):
        raise Http404
    return xlsx_response(export_workbook(scope=scope, blank=True), f"portal-{scope}-template.xlsx")


# --- the office's registry: checked and saved in the background (jobs.py) -----------


def background_import_page(request, *, scope: str, batch_url, template_url: str, back_url: str):
    """GET: the upload form. POST: the workbook read once within the limits, then its
    check queued; the answer is the batch's page, which follows it."""
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["workbook"]
            try:
                batch = jobs.queue_check(
                    user=request.user, scope=scope, data=read_upload(upload), filename=upload.name
                )
            except WorkbookError as error:
                form.add_error("workbook", str(error))
            else:
                return redirect(batch_url(batch))
    return render(
        request,
        "imports/import.html",
        {
            "form": form,
            "sheets": [
                (s.name, [f.column_name for f in s.resource_class().get_export_fields()])
                for s in sheets_for(scope)
            ],
            "back_url": back_url,
            "template_url": template_url,
            "background": True,
        },
    )


def batch_page(request, batch_id: int, *, scope: str, back_url: str, upload_url: str):
    """One background import of the user's: its progress, its preview with save / discard,
    its result. Anyone else's batch is 404."""
    batch = get_object_or_404(ImportBatch, pk=batch_id, user=request.user, scope=scope)
    if request.method == "POST":
        if "discard" in request.POST:
            if jobs.discard(batch, by=request.user):
                messages.info(request, _("The import was discarded; nothing was saved."))
        elif jobs.queue_apply(batch, by=request.user):
            messages.info(request, _("Saving the workbook; this page follows it."))
        return redirect(request.path)
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "summary": batch.summary or {},
            "errors": [
                *batch.summary.get("problems", []),
                *(e for s in batch.summary.get("sheets", []) for e in s.get("errors", [])),
            ][:200]
            if batch.summary
            else [],
            "back_url": back_url,
            "upload_url": upload_url,
        },
    )
