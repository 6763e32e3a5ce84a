from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
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


class PortalConfig(AppConfig):
    """Shared plumbing: ROC dates, money, outbound email and task retries."""

    default = True
    name = "alliance_portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        post_migrate.connect(sync_site, sender=self, dispatch_uid="portal.sync_site")


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site: behind the portal's login and MFA."""

    default = False
    default_site = "alliance_portal.admin_site.PortalAdminSite"
