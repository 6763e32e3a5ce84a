"""Who may see and do what in an alliance. Small predicates over the user's live roles.

Every view in an alliance calls one of these; a user for whom the answer is no gets 404
(accounts.permissions.require), so an alliance they may not see does not exist for them.

| predicate            | office | viewer | PI | co-PI | assistant (approved)     |
|----------------------|--------|--------|----|-------|--------------------------|
| can_view_alliance    | yes    | yes    | yes| yes   | yes                      |
| can_manage_team      |        |        | yes| yes   |                          |
| can_manage_co_pis    |        |        | yes|       |                          |
| can_certify          |        |        | yes|       |                          |
| has_capability(c)    |        |        | yes| yes   | if given c               |

Pending, rejected, revoked and ended roles give nothing; a change takes effect on the next
request because roles are read from the database on every request.
"""

from accounts.models import ProgrammeRole
from alliances.models import Alliance, AllianceRole, RoleStatus, TeamRole

_CACHE_ATTR = "_portal_active_roles"


def active_roles(user) -> dict[int, AllianceRole]:
    """The user's active roles by alliance id, read once per request (cached on the user
    object, which lives for one request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = {
            role.alliance_id: role
            for role in AllianceRole.objects.filter(user=user, status=RoleStatus.ACTIVE)
            .select_related("alliance", "alliance__field")
            .order_by("alliance__name_zh")
        }
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_roles(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_in(user, alliance: Alliance | int) -> AllianceRole | None:
    alliance_id = alliance if isinstance(alliance, int) else alliance.pk
    return active_roles(user).get(alliance_id)


def is_programme_reader(user) -> bool:
    """Office staff and department viewers read every alliance."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.programme_role in (ProgrammeRole.OFFICE, ProgrammeRole.VIEWER)
    )


def can_view_alliance(user, alliance) -> bool:
    return is_programme_reader(user) or role_in(user, alliance) is not None


def can_manage_team(user, alliance) -> bool:
    """Approve, reject, set capabilities of and revoke assistants: the PI and co-PIs."""
    role = role_in(user, alliance)
    return role is not None and role.role in (TeamRole.PI, TeamRole.CO_PI)


def can_manage_co_pis(user, alliance) -> bool:
    """Appoint and remove co-PIs: the PI only."""
    role = role_in(user, alliance)
    return role is not None and role.role == TeamRole.PI


def can_certify(user, alliance) -> bool:
    """Certify and submit filings: the PI only."""
    return can_manage_co_pis(user, alliance)


def has_capability(user, alliance, capability: str) -> bool:
    role = role_in(user, alliance)
    return role is not None and role.has_capability(capability)


def can_revoke(user, role: AllianceRole) -> bool:
    """Assistants by the PI or a co-PI; co-PIs by the PI; never the PI (handover is the
    office's) and never oneself."""
    if role.user_id == getattr(user, "pk", None):
        return False
    if role.role == TeamRole.ASSISTANT:
        return can_manage_team(user, role.alliance_id)
    if role.role == TeamRole.CO_PI:
        return can_manage_co_pis(user, role.alliance_id)
    return False


def visible_alliances(user):
    """Alliances whose private pages the user may open."""
    if is_programme_reader(user):
        return Alliance.objects.all()
    return Alliance.objects.filter(pk__in=list(active_roles(user)))
