from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Site visits")

    def ready(self):
        from inspections import receivers  # noqa: F401  (keeps a scored year's scale fixed)
