"""Who may see and change an alliance's members."""

from accounts.permissions import is_office
from alliances import permissions as alliance_permissions
from alliances.models import Capability


def can_view_members(user, alliance) -> bool:
    """The alliance's active team, the office and department viewers (never the public)."""
    return alliance_permissions.can_view_alliance(user, alliance)


def can_edit_members(user, alliance) -> bool:
    """The PI, co-PIs and assistants allowed to keep the ledger; the office."""
    return is_office(user) or alliance_permissions.has_capability(user, alliance, Capability.LEDGER)


def can_edit_firm_facts(user) -> bool:
    """A firm is shared by every alliance it joined: only the office changes its facts
    (kind of entity, country) or merges duplicates."""
    return is_office(user)
