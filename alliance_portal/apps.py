"""The project package is no app of its own; this module only names the admin's
configuration (kept free of model imports: INSTALLED_APPS loads it before the models)."""

from django.contrib.admin import apps as admin_apps


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site: behind the portal's login and MFA."""

    default_site = "alliance_portal.admin_site.PortalAdminSite"
