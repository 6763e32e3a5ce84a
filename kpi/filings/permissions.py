"""Who may do what with an alliance's filings (domain.md §2, §4). Views answer 404 when
the user may not see the alliance at all (alliances.permissions.can_view_alliance).

| predicate        | office | viewer | PI  | co-PI | assistant              |
|------------------|--------|--------|-----|-------|------------------------|
| can_prepare      |        |        | yes | yes   | with "prepare filings" |
| can_submit       |        |        | yes |       |                        |
| can_extend       | yes    |        |     |       |                        |
| can_route        | yes    |        |     |       |                        |
"""

from accounts.permissions import is_office
from alliances import permissions as alliance_permissions
from alliances.models import Capability


def can_view(user, alliance) -> bool:
    return alliance_permissions.can_view_alliance(user, alliance)


def can_prepare(user, alliance) -> bool:
    """Edit expected-outcome targets and run the check: the PI, co-PIs and assistants the
    PI gave "prepare filings"."""
    return alliance_permissions.has_capability(user, alliance, Capability.FILINGS)


def can_submit(user, alliance) -> bool:
    """Certify and submit: the PI alone (a co-PI or assistant may prepare, never submit)."""
    return alliance_permissions.can_certify(user, alliance)


def can_extend(user) -> bool:
    """Grant an alliance more time for one filing: the programme office."""
    return is_office(user)


def can_route(user) -> bool:
    """Move a submitted filing through review (under review, returned, accepted)."""
    return is_office(user)
