from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPI ledger")

    def ready(self):
        from kpi import receivers  # noqa: F401  (recompute verdicts when members change)
