"""The year's report as a printable A4 PDF (WeasyPrint): members and revenue by field, the
fee bands of a span and self-sufficiency by field and over the span, each table with its
chart. Like the audit record it is the programme's document, so it is always in zh-Hant,
with the Noto CJK fonts embedded and page numbers in the footer."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from alliances.models import ProgrammeYear
from core.money import FEE_BAND_LABELS
from kpi.review.pdf import page_footer
from reports import report_charts
from reports.summary import LANGUAGE, check_span, collect


def render_html(*, year: int, first: int | None = None, progress=None) -> str:
    first = check_span(year, first, ProgrammeYear.objects.values_list("roc_year", flat=True))
    with translation.override(LANGUAGE):
        summary = collect(year, first, progress=progress)
        return render_to_string(
            "reports/report_pdf.html",
            {
                "summary": summary,
                "year": year,
                "first": first,
                "charts": report_charts.for_summary(summary),
                "band_labels": FEE_BAND_LABELS,
                "footer": page_footer(),
                "made": timezone.localtime(),
            },
        )


def render(*, year: int, first: int | None = None, progress=None) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango and fonts

    html = render_html(year=year, first=first, progress=progress)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
