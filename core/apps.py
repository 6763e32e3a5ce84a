from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def sync_site(using="default", **kwargs):
    """The one site row takes the portal's name and domain from the settings (after every
    migrate, and after a test database is flushed): allauth greets with its name and keys
    the failed-login counter on its domain, never on the Host of a request."""
    from django.conf import settings
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": settings.PORTAL_SITE_DOMAIN, "name": settings.PORTAL_SITE_NAME},
    )
    Site.objects.clear_cache()


class CoreConfig(AppConfig):
    """The ground floor: ROC dates, money, the audit trail, mail, tasks and workers,
    storage, workbooks read and written safely, observability. It imports no other app.

    Its label stays "portal", the label of the project package that held it before: its
    tables (portal_auditevent, …), its migrations and its content types keep their names."""

    default = True
    name = "core"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        post_migrate.connect(sync_site, sender=self, dispatch_uid="portal.sync_site")
