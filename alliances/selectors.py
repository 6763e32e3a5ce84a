"""Reads for alliance pages and dashboards, each a bounded number of queries."""

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.shortcuts import get_object_or_404

from accounts.permissions import require
from alliances import permissions
from alliances.models import Alliance, AllianceRole, AllianceYear, RoleStatus, TeamRole
from core.models import AuditEvent

ROLE_ACTIONS = (
    "role.requested",
    "role.approved",
    "role.rejected",
    "role.capabilities_changed",
    "role.revoked",
    "role.pi_assigned",
    "role.handover",
    "role.co_pi_appointed",
)


def pending_requests(alliances):
    return (
        AllianceRole.objects.filter(
            alliance__in=alliances, role=TeamRole.ASSISTANT, status=RoleStatus.PENDING
        )
        .select_related("user", "alliance")
        .order_by("created_at")
    )


def dashboard_for(user) -> dict:
    """What the person's dashboard shows, by role."""
    roles = list(permissions.active_roles(user).values())
    managed = [r.alliance for r in roles if r.role in (TeamRole.PI, TeamRole.CO_PI)]
    own_pending = list(
        AllianceRole.objects.filter(user=user, status=RoleStatus.PENDING).select_related("alliance")
    )
    context = {
        "roles": roles,
        "own_pending": own_pending,
        "to_do": list(pending_requests(managed)) if managed else [],
        "programme_role": user.programme_role,
    }
    return context


def team_of(alliance: Alliance):
    """Every role of the alliance, live ones first."""
    return (
        AllianceRole.objects.filter(alliance=alliance)
        .select_related("user", "decided_by")
        .order_by("status", "role", "created_at")
    )


def role_events(alliance: Alliance | None = None):
    qs = AuditEvent.objects.filter(action__in=ROLE_ACTIONS).select_related("actor", "alliance")
    if alliance is not None:
        qs = qs.filter(alliance=alliance)
    return qs


def office_alliances():
    from django.db.models import Subquery

    pi = AllianceRole.objects.filter(
        alliance=OuterRef("pk"), role=TeamRole.PI, status=RoleStatus.ACTIVE
    )
    return (
        Alliance.objects.select_related("field")
        .annotate(
            pi_name=Subquery(pi.values("user__name")[:1]),
            pi_email=Subquery(pi.values("user__email")[:1]),
            # an issued PI account whose invitation is not accepted has no password yet
            pi_invitation_open=Exists(pi.filter(user__password__startswith="!")),
            team_size=Count("roles", filter=Q(roles__status=RoleStatus.ACTIVE)),
            pending=Count("roles", filter=Q(roles__status=RoleStatus.PENDING)),
        )
        .order_by("field__order", "name_zh")
    )


PUBLIC = Alliance.objects.exclude(profile_published_at=None).exclude(code=None)


def public_alliances():
    """Alliances the directory lists: a published profile, and running in the latest
    programme year that has alliances (or not yet in any year)."""
    latest = AllianceYear.objects.aggregate(m=Max("programme_year__roc_year"))["m"]
    qs = PUBLIC
    if latest:
        running = AllianceYear.objects.filter(programme_year__roc_year=latest).values("alliance")
        no_years = ~Exists(AllianceYear.objects.filter(alliance=OuterRef("pk")))
        qs = qs.filter(Q(pk__in=running) | no_years)
    return qs


def team_recipients(alliance_id: int, *, assistants: bool = True) -> list:
    """The people an alliance's notices go to: its PI and co-PIs and (unless told
    otherwise) its approved assistants; pending, rejected, revoked and ended roles never."""
    kinds = [TeamRole.PI, TeamRole.CO_PI] + ([TeamRole.ASSISTANT] if assistants else [])
    return [
        role.user
        for role in AllianceRole.objects.filter(
            alliance_id=alliance_id, status=RoleStatus.ACTIVE, role__in=kinds, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "pk")
    ]


def alliance_for(user, pk, *, may) -> Alliance:
    """The alliance `pk` for a page of `user`, if may(user, alliance); else 404."""
    alliance = get_object_or_404(Alliance.objects.select_related("field"), pk=pk)
    require(may(user, alliance))
    return alliance


def alliance_year_of(alliance: Alliance, roc_year) -> AllianceYear:
    """The alliance's year `roc_year` (ROC), or 404."""
    return get_object_or_404(
        AllianceYear.objects.select_related("programme_year", "alliance__field"),
        alliance=alliance,
        programme_year__roc_year=roc_year,
    )


def visible_alliance(user, pk) -> Alliance:
    """The alliance `pk` if `user` may see it (its team, the programme's readers), else 404."""
    return alliance_for(user, pk, may=permissions.can_view_alliance)
