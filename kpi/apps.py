from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPI ledger")

    def ready(self):
        from kpi import (
            historic,  # noqa: F401  (registers the 歷年核定數據 sheet)
            receivers,  # noqa: F401  (recompute verdicts when members change)
            resources,  # noqa: F401  (registers the 收入, 成果 and 活動 sheets)
        )
