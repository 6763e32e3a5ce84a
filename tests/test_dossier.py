"""The auditor's dossier of an alliance-year (issue 28, point 4): one zip made in the
background by reports' export machinery, holding the accepted filings and the audit
records as PDF, the evidence files, the site-visit results, the members and ledger as
xlsx, the routing history as CSV and a manifest whose SHA-256 match every member; who may
make and download it; memory flat in the number of files; the demo alliance's dossier."""

import csv
import datetime as dt
import hashlib
import io
import tempfile
import tracemalloc
import zipfile

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from alliances.models import RoleStatus
from core.storage import private_storage
from dossier.build import evidence_path, safe_name, write_dossier
from kpi.models import Evidence, RevenueEntry
from reports.models import Export, ExportKind
from reports.services import export_start
from tests.review_helpers import pdf_text
from tests.visit_helpers import shared_visit

MB = 1024 * 1024
FILE = 2 * MB  # each evidence file of the memory test


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def manifest_rows(archive: zipfile.ZipFile) -> list[dict]:
    text = archive.read("manifest.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def build_dossier(ay, owner) -> zipfile.ZipFile:
    with tempfile.TemporaryFile() as out:
        write_dossier(ay, out, owner=owner)
        out.seek(0)
        return _zip(out.read())


def _expected_members(people, visit, *, programme: bool) -> set[str]:
    names = {
        "filings/106-first-v1.pdf",
        "filings/106-second-v1.pdf",
        "audit-records/106-1-001.pdf",
        f"evidence/revenue-{people.entry.pk}/{people.evidence.pk}-invoice.pdf",
        f"site-visits/{visit.pk}-summary.pdf",
        "members.xlsx",
        "ledger.xlsx",
        "routing-history.csv",
        "manifest.csv",
    }
    if programme:
        names.add(f"site-visits/{visit.pk}-result.pdf")
    return names


def test_the_office_makes_the_dossier_in_the_background_and_every_piece_is_in_it(
    client, official, worker
):
    people = official
    visit = shared_visit(people)
    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    filings = client.get(reverse("filing_list", args=[people.alliance.pk, 106])).content.decode()
    page_url = reverse("alliance_dossier", args=[people.alliance.pk, 106])
    assert page_url in filings
    page = client.get(page_url)
    assert page.status_code == 200 and "Make the dossier" in page.content.decode()

    response = client.post(page_url)
    export = Export.objects.get()
    assert response["Location"] == reverse("report_export", args=[export.pk])
    assert (
        export.kind == ExportKind.DOSSIER_ZIP and export.alliance_year == people.alliance_years[106]
    )
    queued = client.get(response["Location"]).content.decode()
    assert "<progress" in queued and "MECH001 106" in queued
    client.post(page_url)  # a double click: still one
    assert Export.objects.count() == 1

    worker()
    export.refresh_from_db()
    assert export.status == "finished", export.error
    # One step per member: 2 filings, 1 audit record, 1 evidence file, 2 visit PDFs,
    # 2 workbooks, the history and the manifest.
    assert export.done == export.total == 10
    assert export.filename.endswith("-MECH001-106.zip")
    ready = client.get(reverse("report_export", args=[export.pk])).content.decode()
    assert reverse("report_export_download", args=[export.pk]) in ready
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download["Content-Type"] == "application/zip"
    archive = _zip(b"".join(download.streaming_content))
    assert archive.testzip() is None

    assert set(archive.namelist()) == _expected_members(people, visit, programme=True)
    manifest = manifest_rows(archive)
    assert {row["path"] for row in manifest} == set(archive.namelist()) - {"manifest.csv"}
    for row in manifest:
        data = archive.read(row["path"])
        assert int(row["bytes"]) == len(data)
        assert row["sha256"] == hashlib.sha256(data).hexdigest(), row["path"]
    for name in archive.namelist():
        if name.endswith(".pdf") and not name.startswith("evidence/"):
            assert archive.read(name).startswith(b"%PDF"), name
    # The evidence as uploaded, the audit record as issued.
    assert archive.read(evidence_path(people.evidence)) == b"%PDF-1.4\n%demo evidence\n"
    record = people.alliance_years[106].filings.get(kind="first").audit_records.get()
    assert hashlib.sha256(archive.read("audit-records/106-1-001.pdf")).hexdigest() == record.sha256
    first = pdf_text(archive.read("filings/106-first-v1.pdf"))
    assert "MECH001" in first and "智慧精密加工產學小聯盟" in first and "檢測服務" in first

    members = load_workbook(io.BytesIO(archive.read("members.xlsx")))
    assert members.sheetnames == ["成員"]
    rows = list(members["成員"].iter_rows(values_only=True))
    assert any("22099131" in [str(v) for v in row] for row in rows[1:])
    ledger = load_workbook(io.BytesIO(archive.read("ledger.xlsx")))
    assert ledger.sheetnames == ["收入", "成果", "活動"]
    assert len(list(ledger["收入"].iter_rows(values_only=True))) == 2  # header + the entry

    history = archive.read("routing-history.csv").decode("utf-8-sig")
    assert "林主持人" in history and "王專員" in history  # the PI submitted, the office accepted
    assert "已核定" in history


def test_the_pis_dossier_holds_what_the_pi_may_read_and_no_internal_note(official):
    from kpi.review import services as review

    people = official
    visit = shared_visit(people)
    filing = people.alliance_years[106].filings.get(kind="first")
    review.filing_note(filing=filing, by=people.office, text="內部備註：再查發票", internal=True)
    review.filing_note(filing=filing, by=people.office, text="給聯盟的說明", internal=False)

    mine = build_dossier(people.alliance_years[106], people.pi)
    assert set(mine.namelist()) == _expected_members(people, visit, programme=False)
    history = mine.read("routing-history.csv").decode("utf-8-sig")
    assert "給聯盟的說明" in history and "內部備註" not in history

    office = build_dossier(people.alliance_years[106], people.office)
    assert f"site-visits/{visit.pk}-result.pdf" in office.namelist()
    assert "內部備註：再查發票" in office.read("routing-history.csv").decode("utf-8-sig")


def test_a_year_with_nothing_yet_still_gives_a_dossier(people):
    archive = build_dossier(people.alliance_years[105], people.office)
    assert set(archive.namelist()) == {
        "members.xlsx",
        "ledger.xlsx",
        "routing-history.csv",
        "manifest.csv",
    }


def test_an_altered_audit_record_stops_the_dossier(official):
    people = official
    record = people.alliance_years[106].filings.get(kind="first").audit_records.get()
    storage = private_storage()
    storage.delete(record.pdf.name)
    storage.save(record.pdf.name, ContentFile(b"%PDF-1.4 forged"))
    with pytest.raises(ValueError, match="altered"):
        build_dossier(people.alliance_years[106], people.office)


def test_names_in_the_zip_stay_in_their_folder():
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"  # no separator: one member
    assert safe_name("發票 2017/05.pdf") == "發票 2017_05.pdf"
    assert safe_name("...") == "file"
    assert safe_name("a" * 300).startswith("a") and len(safe_name("a" * 300)) == 80


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_name", "status"),
    [
        ("pi", 200),
        ("office", 200),
        ("viewer", 200),
        ("copi", 404),
        ("assistant", 404),
        ("pending", 404),
        ("other_pi", 404),
        ("outsider", 404),
        ("reviewer", 404),
    ],
)
def test_who_may_make_a_dossier(client, people, user_name, status):
    client.force_login(getattr(people, user_name))
    url = reverse("alliance_dossier", args=[people.alliance.pk, 106])
    assert client.get(url).status_code == status
    response = client.post(url)
    if status == 200:
        export = Export.objects.get(owner=getattr(people, user_name))
        assert response["Location"] == reverse("report_export", args=[export.pk])
    else:
        assert response.status_code == 404
        assert not Export.objects.exists()


def test_the_link_shows_only_to_those_who_may(client, people):
    url = reverse("alliance_dossier", args=[people.alliance.pk, 106])
    filings = reverse("filing_list", args=[people.alliance.pk, 106])
    for user, shown in ((people.pi, True), (people.copi, False), (people.assistant, False)):
        client.force_login(user)
        assert (url in client.get(filings).content.decode()) is shown


def test_a_dossier_is_its_owners_alone_and_goes_with_the_pis_role(client, people):
    ay = people.alliance_years[106]
    export = export_start(by=people.pi, kind=ExportKind.DOSSIER_ZIP, alliance_year=ay)
    path = private_storage().save(f"exports/{people.pi.pk}/d.zip", ContentFile(b"PK"))
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.FINISHED, path=path, filename="d.zip", expires_at=_tomorrow()
    )
    client.force_login(people.pi)
    assert client.get(reverse("report_export", args=[export.pk])).status_code == 200
    download = client.get(reverse("report_export_download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    for other in (people.office, people.copi, people.other_pi):
        client.force_login(other)
        assert client.get(reverse("report_export", args=[export.pk])).status_code == 404
    # The PI hands over: their dossier is no longer theirs to download.
    people.pi_role.status = RoleStatus.ENDED
    people.pi_role.save()
    client.force_login(people.pi)
    assert client.get(reverse("report_export_download", args=[export.pk])).status_code == 404
    # Forged ids: another alliance's PI on this alliance's year.
    client.force_login(people.other_pi)
    assert (
        client.post(reverse("alliance_dossier", args=[people.alliance.pk, 106])).status_code == 404
    )


def test_a_pi_whose_role_ended_before_the_build_gets_no_dossier(people, worker):
    export = export_start(
        by=people.pi, kind=ExportKind.DOSSIER_ZIP, alliance_year=people.alliance_years[106]
    )
    people.pi_role.status = RoleStatus.ENDED
    people.pi_role.save()
    worker()
    export.refresh_from_db()
    assert export.status == "failed" and not export.path


def _tomorrow():
    from django.utils import timezone

    return timezone.now() + dt.timedelta(days=1)


# --- memory --------------------------------------------------------------------------------


def _evidence_files(people, n: int):
    """`n` evidence files of 2 MB each on a 105 record (a year with no filing to print)."""
    from kpi.ledger import services as kpi_services

    ay = people.alliance_years[105]
    entry = kpi_services.record_save(
        record=RevenueEntry(
            alliance_year=ay,
            kind="technical_service",
            amount=50_000,
            firm=people.firm,
            date=dt.date(2016, 5, 2),
            description="大量佐證",
        ),
        by=people.pi,
    )
    storage = private_storage()
    for i in range(n):
        body = b"%PDF-1.4\n" + hashlib.sha256(str(i).encode()).digest() * (FILE // 32)
        name = storage.save(f"evidence/bench/{i}.pdf", ContentFile(body))
        Evidence.objects.create(
            alliance_year=ay,
            revenue=entry,
            file=name,
            extension="pdf",
            original_name=f"掃描{i}.pdf",
            size=len(body),
        )
    return ay


def _peak(ay, owner) -> tuple[int, int]:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            members = write_dossier(ay, out, owner=owner)
            return tracemalloc.get_traced_memory()[1], len(members)
        finally:
            tracemalloc.stop()


def test_memory_stays_flat_in_the_number_of_files(people):
    n = 4
    ay = _evidence_files(people, n)
    _peak(ay, people.office)  # warm up: imports and caches are not the dossier's
    small, count = _peak(ay, people.office)
    assert count == n + 3  # the evidence, the two workbooks, the history
    _evidence_files(people, 2 * n)
    large, count = _peak(ay, people.office)
    assert count == 3 * n + 3
    # Twelve files of 2 MB: a dossier that held them, or only one of them, in memory would
    # need megabytes more; a streamed one needs its 64 KB chunks and the workbooks' rows
    # (about half a megabyte here, whatever the number of files).
    assert large - small < MB // 2, (small, large)
    assert large < FILE, large


# --- the demo alliance -------------------------------------------------------------------
