"""A first KPI filing of the canonical fixture under the office's review, and readers of
the audit record's PDF (text and fonts, with pypdf)."""

import io

import time_machine
from pypdf import PdfReader

from kpi.filings import services as filings
from tests.filing_helpers import at, submitted_first_filing

# 106.11.10: the office reviews the first KPI filings (domain.md §4).
REVIEW_DAY = at(2017, 11, 10)


def reviewing(people):
    """The first KPI filing of 106, submitted and under review; returns its version."""
    version = submitted_first_filing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
    return version


def issued_record(people):
    """The audit record (no findings) of the submitted first KPI filing of 106."""
    from kpi.filings import selectors as filing_selectors
    from kpi.models import FilingKind
    from kpi.review import services as review

    filing = filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST)
    with time_machine.travel(REVIEW_DAY, tick=False):
        filings.filing_review_start(filing=filing, by=people.office)
        review.accept_unmarked(version=filing.versions.get(), by=people.office)
        return review.audit_record_issue(filing=filing, by=people.office)


def office_returns(people, filing, reason="請更正", correction_due=None):
    """The office flags technical-service revenue and issues the audit record: the KPI
    filing is returned (call inside a time when the deadline is not past)."""
    from kpi.review import services as review

    version = filing.versions.order_by("-number").first()
    review.mark_save(
        version=version, by=people.office, code="R-SERVICE", verdict="flagged", reason=reason
    )
    review.accept_unmarked(version=version, by=people.office)
    return review.audit_record_issue(filing=filing, by=people.office, correction_due=correction_due)


def office_accepts(people, filing):
    """The office accepts every item and issues a "no findings" audit record."""
    from kpi.review import services as review

    version = filing.versions.order_by("-number").first()
    review.accept_unmarked(version=version, by=people.office)
    return review.audit_record_issue(filing=filing, by=people.office)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(data: bytes) -> list[dict]:
    """Every font of the PDF: its name and whether its program is embedded."""
    reader = PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        resources = page["/Resources"]
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            descriptor = None
            if "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor or font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[str(font["/BaseFont"])] = {"name": str(font["/BaseFont"]), "embedded": embedded}
    return list(fonts.values())


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
