from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPI ledger")

    def ready(self):
        from kpi.filings import panels
        from kpi.ledger import receivers  # noqa: F401  (recompute verdicts when members change)
        from kpi.review.panels import filing_panel, open_findings, year_panel

        # The review's part of the filing pages: the filings do not import the review.
        panels.register(year=year_panel, filing=filing_panel, findings=open_findings)
