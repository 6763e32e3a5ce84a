"""Errors say what to do, in the asker's language: DRF's own answers, except where the
portal can say more (how to authenticate, when to come back)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, exceptions.NotAuthenticated):
        exc.detail = _(
            "Send a personal API token in the header Authorization: Bearer <token>; "
            "make one on your profile page in the portal."
        )
    elif isinstance(exc, exceptions.Throttled):
        exc.detail = _("Too many requests with this token: try again in %(seconds)s seconds.") % {
            "seconds": int(exc.wait or 1)
        }
    return drf_exception_handler(exc, context)
