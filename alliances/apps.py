from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        from alliances import resources  # noqa: F401  (registers the 聯盟 and 聯盟年度 sheets)
