from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    """What the base layout needs on every page; the user's alliances are read only when a
    page shows them (one query, shared with the permission checks of the request)."""
    from alliances.permissions import active_roles

    user = getattr(request, "user", None)
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "DEMO_DATA_ALLOWED": settings.DEMO_DATA_ALLOWED,
        "PORTAL_CONTACT_EMAIL": settings.PORTAL_CONTACT_EMAIL,
        "my_roles": SimpleLazyObject(lambda: list(active_roles(user).values())),
        "can_see_reports": SimpleLazyObject(lambda: _reports(user)),
        "can_see_events": SimpleLazyObject(lambda: _events(user)),
    }


def _events(user) -> bool:
    from events.permissions import can_see_events

    return can_see_events(user)


def _reports(user) -> bool:
    from reports.permissions import can_see_reports

    return can_see_reports(user)
