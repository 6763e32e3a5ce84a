"""What the team changes share: the refusal, a role's snapshot, links, the lock, the managers."""

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from alliances.models import Alliance, AllianceRole, Capability, RoleStatus, TeamRole
from core.mail import send_templated_email


class TeamError(Exception):
    """A refused team change, with a message for the person who tried it."""


NO_ROLE = {"role": None, "status": None}


def role_snapshot(role: AllianceRole) -> dict:
    return {
        "user": role.user.email,
        "role": role.role,
        "status": role.status,
        "capabilities": sorted(role.capabilities),
    }


def clean_capabilities(capabilities) -> list[str]:
    allowed = set(Capability.values)
    chosen = sorted(set(capabilities or []))
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        raise TeamError(_("Unknown capability: %(names)s") % {"names": ", ".join(unknown)})
    return chosen


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def locked_role(role: AllianceRole) -> AllianceRole:
    return (
        AllianceRole.objects.select_for_update().select_related("user", "alliance").get(pk=role.pk)
    )


def _team_managers(alliance: Alliance) -> list[User]:
    return [
        r.user
        for r in AllianceRole.objects.filter(
            alliance=alliance,
            status=RoleStatus.ACTIVE,
            role__in=[TeamRole.PI, TeamRole.CO_PI],
        ).select_related("user")
    ]


def tell_managers(alliance: Alliance, template: str, context: dict) -> None:
    """Email the alliance's PI and co-PIs, each in their own language."""
    for manager in _team_managers(alliance):
        send_templated_email(
            to=[manager.email],
            template=template,
            context=context,
            language=manager.preferred_language,
        )
