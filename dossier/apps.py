from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossierConfig(AppConfig):
    """An alliance-year's auditor's dossier (issue 28): one zip made in the background by
    reports' export machinery, through the writer this app registers
    (reports.services.register_writer) — it sits above workbook_import, whose registry
    workbook layout gives the dossier its members and ledger sheets."""

    name = "dossier"
    verbose_name = _("Auditor's dossier")

    def ready(self):
        from dossier.build import write_export
        from reports.models import ExportKind
        from reports.services import register_writer

        register_writer(ExportKind.DOSSIER_ZIP, write_export)
