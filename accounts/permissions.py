"""Who may do what, portal-wide. Small predicates; views call them and answer 404."""

from django.http import Http404


def is_office(user) -> bool:
    """Programme-office staff."""
    return bool(getattr(user, "is_authenticated", False) and user.is_office)


def require(allowed: bool) -> None:
    """Raise 404 — never 403 — so that what a user may not see does not exist for them."""
    if not allowed:
        raise Http404
