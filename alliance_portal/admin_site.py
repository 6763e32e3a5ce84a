"""Django's admin, behind the portal's own door (docs/security.md, "/admin/").

It is mounted only when the setting ADMIN_ENABLED is on (off in production by default).
When mounted, it has no login form of its own: an anonymous visitor is sent to the
portal's login (allauth, with its failed-login limits and the second factor), a staff
account without two-factor authentication is sent to set it up, and anyone else gets the
same 404 as for any page they may not see.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, resolve_url
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import has_mfa


def may_use_admin(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and has_mfa(user)
    )


class PortalAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Alliance Portal administration")
    site_title = gettext_lazy("Alliance Portal administration")

    def has_permission(self, request):
        return may_use_admin(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(
                request.GET.get("next") or request.get_full_path(), resolve_url(settings.LOGIN_URL)
            )
        if user.is_active and user.is_staff and not has_mfa(user):
            messages.info(
                request, _("The administration needs two-factor authentication: set it up first.")
            )
            query = urlencode({"next": request.GET.get("next") or "/admin/"})
            return redirect(f"{resolve_url('mfa_activate_totp')}?{query}")
        raise Http404
