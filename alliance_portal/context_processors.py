from django.conf import settings


def portal(request):
    """What the base layout needs on every page."""
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "DEMO_DATA_ALLOWED": settings.DEMO_DATA_ALLOWED,
    }
