"""The accepted version of a filing as an A4 PDF, for the dossier: the page a version has
on the portal (templates/kpi/filing_version.html) without the navigation — its facts,
certification, answers, warnings, items and the records behind them with their verdicts.
Like the audit record (kpi/review/pdf.py): WeasyPrint, Noto Sans CJK TC embedded, page
numbers, always zh-Hant."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from kpi.filings import selectors as filing_selectors
from kpi.models import FilingState, FilingVersion
from kpi.review.pdf import PDF_LANGUAGE, page_footer
from kpi.review.selectors import pi_name

TEMPLATE = "dossier/filing_version_pdf.html"


def render_version(version: FilingVersion) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango and fonts

    filing = version.filing
    ay = filing.alliance_year
    accepted = (
        filing.transitions.filter(to_state=FilingState.ACCEPTED).order_by("-at", "-pk").first()
    )
    records = filing_selectors.records_of(version).order_by("source", "kind", "date", "record_id")
    with translation.override(PDF_LANGUAGE):
        html = render_to_string(
            TEMPLATE,
            {
                "version": version,
                "filing": filing,
                "ay": ay,
                "alliance": ay.alliance,
                "pi": pi_name(ay.alliance),
                "accepted_at": accepted.at if accepted else None,
                "rows": filing_selectors.version_rows(version),
                "records": records,
                "answers": list(version.answers.all()),
                "footer": page_footer(),
                "reference": f"{ay.alliance.code or ay.alliance.pk} · v{version.number}",
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
