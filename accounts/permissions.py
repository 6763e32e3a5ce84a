"""Who may do what, portal-wide. Small predicates and the decorators views use.

Views answer 404 — never 403 — so that what a user may not see does not exist for them.
"""

import functools

from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.http import Http404

from accounts.models import ProgrammeRole


def is_office(user) -> bool:
    """Programme-office staff."""
    return bool(getattr(user, "is_authenticated", False) and user.is_office)


def is_viewer(user) -> bool:
    """Department (產學司) viewers: read everything, change nothing."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.programme_role == ProgrammeRole.VIEWER
    )


def is_reviewer(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.programme_role == ProgrammeRole.REVIEWER
    )


def has_mfa(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def require(allowed: bool) -> None:
    """Raise 404 unless allowed."""
    if not allowed:
        raise Http404


def office_view(view=None, *, viewers=False):
    """For office pages: login required; programme office only (and department viewers
    when `viewers`, for pages that only read); 404 for everyone else. (Office staff without
    two-factor authentication never get here: accounts.middleware.OfficeMfaMiddleware.)"""

    def decorate(func):
        @login_required
        @functools.wraps(func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            require(is_office(user) or (viewers and is_viewer(user)))
            return func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
