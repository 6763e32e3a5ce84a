"""The auditor's dossier of one alliance-year, one zip (issue 28, point 4):

    filings/<year>-<filing>-v<n>.pdf      the accepted version of every accepted filing
    audit-records/<number>.pdf            every audit record as issued (SHA-256 checked)
    evidence/<record>/<id>-<name>         every evidence file of the year's ledger
    site-visits/<id>-result.pdf           the visit's result (programme only)
    site-visits/<id>-summary.pdf          the summary as shared with the alliance
    members.xlsx, ledger.xlsx             laid out like the registry workbook
    routing-history.csv                   who did what, when (history.py)
    manifest.csv                          each member's path, bytes and SHA-256, last

Written by `write_dossier` into the export's file (reports.services.export_task) one
member at a time, files copied in chunks (zipped.py), so memory stays flat in the number
and size of the files. What it holds depends on who asked, as the portal would show them:
the office and the department get the visit's full result and the internal notes; the
PI gets the summary as shared and no internal note."""

import contextlib
import re
import tempfile

from django.utils import translation

from alliances.permissions import is_programme_reader
from core import writers
from core.storage import private_storage
from dossier import history
from dossier.pdf import render_version
from dossier.zipped import DossierZip
from inspections import pdf as visit_pdf
from inspections import permissions as visit_permissions
from inspections.models import SiteVisit, VisitStatus
from kpi.models import Activity, AuditRecord, Evidence, Filing, FilingState, Outcome, RevenueEntry
from members import selectors as member_selectors
from workbook_import.engine import export_workbook

LANGUAGE = "zh-hant"  # the programme's documents, whoever asks
UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_name(name: str, *, limit: int = 80) -> str:
    """A file name that stays one member of its folder: no separators, control or
    reserved characters, no leading dot, at most `limit` characters."""
    cleaned = UNSAFE.sub("_", name).strip(" .")
    return cleaned[-limit:] or "file"


def _record_folder(evidence: Evidence) -> str:
    for source in ("revenue", "outcome", "activity"):
        record_id = getattr(evidence, f"{source}_id")
        if record_id is not None:
            return f"{source}-{record_id}"
    return "record"


def evidence_path(evidence: Evidence) -> str:
    name = safe_name(evidence.original_name)
    if not name.lower().endswith(f".{evidence.extension}"):
        name = f"{name}.{evidence.extension}"
    return f"evidence/{_record_folder(evidence)}/{evidence.pk}-{name}"


class Plan:
    """What goes in, read in a fixed number of queries (evidence is streamed later)."""

    def __init__(self, ay, *, owner):
        self.ay = ay
        self.programme = is_programme_reader(owner)
        self.filings = [
            (filing, filing.versions.order_by("-number").first())
            for filing in Filing.objects.filter(alliance_year=ay, state=FilingState.ACCEPTED)
            .select_related("alliance_year__alliance", "alliance_year__programme_year")
            .order_by("kind")
        ]
        self.filings = [(f, v) for f, v in self.filings if v is not None]
        self.records = list(
            AuditRecord.objects.filter(filing__alliance_year=ay).order_by(
                "roc_year", "period", "serial"
            )
        )
        self.evidence = Evidence.objects.filter(alliance_year=ay).order_by("pk")
        self.visits = []  # (path, visit, kind)
        visits = (
            SiteVisit.objects.filter(alliance_year=ay)
            .exclude(status=VisitStatus.CANCELLED)
            .select_related("alliance_year__alliance__field", "alliance_year__programme_year")
            .order_by("starts_at", "pk")
        )
        for visit in visits:
            if visit.status == VisitStatus.CONSOLIDATED and visit_permissions.can_see_result(
                owner, visit
            ):
                self.visits.append((f"site-visits/{visit.pk}-result.pdf", visit, "result"))
            if visit.summary_pdf and visit_permissions.can_see_summary(owner, visit):
                self.visits.append((f"site-visits/{visit.pk}-summary.pdf", visit, "summary"))

    def steps(self) -> int:
        # The files, the two workbooks, the history and the manifest.
        return len(self.filings) + len(self.records) + self.evidence.count() + len(self.visits) + 4


@contextlib.contextmanager
def _workbook(ay, sheets: dict):
    """One workbook of the registry's layout (workbook_import) in a temporary file."""
    with tempfile.TemporaryFile() as out:
        export_workbook(
            scope="alliance", alliance=ay.alliance, only=list(sheets), querysets=sheets, out=out
        )
        out.seek(0)
        yield out


def members_sheets(ay) -> dict:
    return {
        "成員": member_selectors.memberships_of(ay).select_related(
            "alliance_year__alliance", "alliance_year__programme_year"
        )
    }


def ledger_sheets(ay) -> dict:
    related = ("alliance_year__alliance", "alliance_year__programme_year", "firm")
    return {
        "收入": RevenueEntry.objects.filter(alliance_year=ay).select_related(*related),
        "成果": Outcome.objects.filter(alliance_year=ay).select_related(*related),
        "活動": Activity.objects.filter(alliance_year=ay).select_related(*related),
    }


def _members(plan: Plan, archive: DossierZip, storage):
    """Write the members one at a time, yielding after each."""
    ay = plan.ay
    for filing, version in plan.filings:
        name = f"filings/{ay.programme_year.roc_year}-{filing.kind}-v{version.number}.pdf"
        archive.add_bytes(name, render_version(version))
        yield
    for record in plan.records:
        with storage.open(record.pdf.name, "rb") as handle:
            archive.add_file(
                f"audit-records/{record.number}.pdf", handle, expect_sha256=record.sha256
            )
        yield
    for evidence in plan.evidence.iterator(chunk_size=200):
        with storage.open(evidence.file.name, "rb") as handle:
            archive.add_file(evidence_path(evidence), handle)
        yield
    for path, visit, kind in plan.visits:
        if kind == "result":
            archive.add_bytes(path, visit_pdf.render_result(visit))
        else:
            with storage.open(visit.summary_pdf.name, "rb") as handle:
                archive.add_file(path, handle)
        yield
    for path, sheets in (("members.xlsx", members_sheets(ay)), ("ledger.xlsx", ledger_sheets(ay))):
        with _workbook(ay, sheets) as handle:
            archive.add_file(path, handle)
        yield
    rows = history.rows(ay, programme=plan.programme)
    archive.add_bytes("routing-history.csv", writers.csv_bytes(history.headers(), rows))
    yield
    archive.close()
    yield


def write_dossier(ay, out, *, owner, progress=None) -> list:
    """Write the dossier of `ay` as `owner` may have it to `out` (a binary, seekable
    file); `progress(done, total)` after each member. Returns the manifest's members."""
    with translation.override(LANGUAGE):
        plan = Plan(ay, owner=owner)
        total = plan.steps()
        archive = DossierZip(out)
        try:
            for done, _member in enumerate(_members(plan, archive, private_storage()), start=1):
                if progress is not None:
                    progress(done, total)
        except BaseException:
            archive.abandon()
            raise
    return archive.members


def write_export(export, out, progress) -> None:
    """The writer reports.services calls for an export of kind dossier_zip."""
    write_dossier(export.alliance_year, out, owner=export.owner, progress=progress)
