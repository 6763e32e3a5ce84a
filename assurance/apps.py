from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssuranceConfig(AppConfig):
    name = "assurance"
    verbose_name = _("Checks across alliances")

    def ready(self):
        from assurance import receivers  # noqa: F401  (a submission queues the year's checks)
        from assurance.selectors import filing_panel
        from kpi.filings import panels

        # The PI's filing page shows the findings about their own alliance.
        panels.register(filing=filing_panel)
