from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Shared plumbing: ROC dates, money, outbound email and task retries."""

    name = "alliance_portal"
    label = "portal"
    verbose_name = _("Portal")
