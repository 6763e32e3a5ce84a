"""PIs and co-PIs: assigned, handed over, appointed (invited if new)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_office, require
from accounts.services import user_create
from accounts.tokens import make_invitation_token
from alliances import permissions
from alliances.models import LIVE_STATUSES, Alliance, AllianceRole, RoleStatus, TeamRole
from alliances.services.base import NO_ROLE, TeamError, absolute_url, role_snapshot
from core import audit
from core.mail import send_templated_email


def _person(email: str, name: str) -> tuple[User, bool]:
    """The account for this address, created (with an invitation to follow) if new."""
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.is_active:
            raise TeamError(_("The account %(email)s is disabled.") % {"email": email})
        return user, False
    return user_create(email=email, name=(name or "").strip()), True


def _invite_or_tell(user: User, created: bool, alliance: Alliance, role_name: str) -> None:
    if created or not user.has_usable_password():
        url = absolute_url(reverse("invitation_accept", args=[make_invitation_token(user)]))
        template = "invitation"
    else:
        url = absolute_url(reverse("alliance_dashboard", args=[alliance.pk]))
        template = "role_granted"
    send_templated_email(
        to=[user.email],
        template=template,
        context={"user": user, "alliance": alliance, "role_name": role_name, "url": url},
        language=user.preferred_language,
    )


def _live_role(alliance: Alliance, user: User) -> AllianceRole | None:
    return (
        AllianceRole.objects.select_for_update()
        .filter(alliance=alliance, user=user, status__in=LIVE_STATUSES)
        .first()
    )


def _appoint(alliance, user, created, kind, by, action) -> AllianceRole:
    """A new active PI or co-PI role, its audit event, and the email (an invitation for a
    new account)."""
    role = AllianceRole.objects.create(
        alliance=alliance,
        user=user,
        role=kind,
        status=RoleStatus.ACTIVE,
        decided_by=by,
        decided_at=timezone.now(),
    )
    audit.record(
        actor=by,
        action=action,
        target=role,
        alliance=alliance,
        before=NO_ROLE,
        after=role_snapshot(role),
    )
    _invite_or_tell(user, created, alliance, str(kind.label))
    return role


@transaction.atomic
def pi_assign(*, alliance: Alliance, by: User, email: str, name: str = "") -> AllianceRole:
    """The office makes someone the PI of an alliance that has none; a new account gets an
    email invitation to set its password."""
    require(is_office(by))
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    if AllianceRole.objects.filter(
        alliance=alliance, role=TeamRole.PI, status=RoleStatus.ACTIVE
    ).exists():
        raise TeamError(
            _("%(alliance)s already has a PI; hand the alliance over instead.")
            % {"alliance": alliance}
        )
    user, created = _person(email, name)
    if _live_role(alliance, user) is not None:
        raise TeamError(
            _("%(email)s already has a role in this alliance; hand the alliance over instead.")
            % {"email": user.email}
        )
    return _appoint(alliance, user, created, TeamRole.PI, by, "role.pi_assigned")


@transaction.atomic
def pi_handover(
    *, alliance: Alliance, by: User, email: str, name: str = "", reason: str = ""
) -> AllianceRole:
    """The office hands an alliance to a new PI: the old PI's role ends (its history stays)
    and the new one starts, as one role event. A co-PI or assistant of the alliance who
    becomes PI leaves their old role in the same step."""
    require(is_office(by))
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    old = (
        AllianceRole.objects.select_for_update()
        .select_related("user")
        .filter(alliance=alliance, role=TeamRole.PI, status=RoleStatus.ACTIVE)
        .first()
    )
    user, created = _person(email, name)
    if old is not None and old.user_id == user.pk:
        raise TeamError(_("%(email)s is already the PI.") % {"email": user.email})
    now = timezone.now()
    before = {"pi": old.user.email if old else None}
    after = {"pi": user.email}
    if old is not None:
        old.status = RoleStatus.ENDED
        old.ended_at = now
        old.reason = reason
        old.save(update_fields=["status", "ended_at", "reason"])
    previous = _live_role(alliance, user)
    if previous is not None:
        before["new_pi_previous_role"] = previous.role
        previous.status = RoleStatus.ENDED
        previous.ended_at = now
        previous.save(update_fields=["status", "ended_at"])
    role = AllianceRole.objects.create(
        alliance=alliance,
        user=user,
        role=TeamRole.PI,
        status=RoleStatus.ACTIVE,
        decided_by=by,
        decided_at=now,
        reason=reason,
    )
    audit.record(
        actor=by,
        action="role.handover",
        target=role,
        alliance=alliance,
        before=before,
        after=after,
        reason=reason,
    )
    _invite_or_tell(user, created, alliance, str(TeamRole.PI.label))
    return role


@transaction.atomic
def co_pi_appoint(*, alliance: Alliance, by: User, email: str, name: str = "") -> AllianceRole:
    require(permissions.can_view_alliance(by, alliance))
    if not permissions.can_manage_co_pis(by, alliance):
        raise TeamError(_("Only the PI can appoint co-PIs."))
    alliance = Alliance.objects.select_for_update().get(pk=alliance.pk)
    user, created = _person(email, name)
    if _live_role(alliance, user) is not None:
        raise TeamError(_("%(email)s already has a role in this alliance.") % {"email": user.email})
    return _appoint(alliance, user, created, TeamRole.CO_PI, by, "role.co_pi_appointed")
