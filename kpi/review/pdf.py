"""The audit record (查核記錄) as an A4 PDF: WeasyPrint, Traditional Chinese with the Noto
CJK fonts embedded (subset), page numbers in the footer, ROC dates. Always rendered in
zh-Hant: it is the programme's official document, whatever the issuer's UI language."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

PDF_LANGUAGE = "zh-hant"


def page_footer() -> list[str]:
    """The literal parts around the page counters, from one translatable sentence:
    "Page {page} of {pages}" → ["Page ", " of ", ""] (CSS puts counter(page) and
    counter(pages) between them)."""
    text = _("Page {page} of {pages}")
    before, _sep, rest = text.partition("{page}")
    middle, _sep, after = rest.partition("{pages}")
    return [part.replace('"', "") for part in (before, middle, after)]


def render(record) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango and fonts

    from kpi.review.selectors import answer_rows, finding_rows, pi_name

    filing = record.filing
    ay = filing.alliance_year
    answered = answer_rows(record.version)
    with translation.override(PDF_LANGUAGE):
        footer = page_footer()
        html = render_to_string(
            "kpi/audit_record_pdf.html",
            {
                "record": record,
                "filing": filing,
                "ay": ay,
                "alliance": ay.alliance,
                "version": record.version,
                "rows": finding_rows(record.findings),
                "answered": answered,
                "footer": footer,
                "pi": pi_name(ay.alliance),
                "issuer": (record.issued_by.name or record.issued_by.email)
                if record.issued_by
                else "",
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
