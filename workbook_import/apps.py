from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbookImportConfig(AppConfig):
    """The cross-app workbook import and export (docs/import-format.md): the sheets of
    every app, the import pages, the office's background import. It sits above the apps
    whose rows it reads and writes; reports (below it) gets the registry workbook through
    a writer this app registers (reports.services.register_writer)."""

    name = "workbook_import"
    verbose_name = _("Workbook import")

    def ready(self):
        # The sheets, in their order of dependency (each registers itself).
        from reports.models import ExportKind
        from reports.services import register_writer
        from workbook_import.engine import export_workbook
        from workbook_import.sheets import alliances, historic, ledger, members  # noqa: F401

        register_writer(
            ExportKind.REGISTRY_XLSX,
            lambda export, out, progress: export_workbook(
                scope="office", out=out, progress=progress
            ),
        )
