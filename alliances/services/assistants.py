"""Assistants: registration (or its attempt with a known email), approval, capabilities."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from accounts.services import user_create
from alliances import permissions
from alliances.models import Alliance, AllianceRole, RoleStatus, TeamRole
from alliances.services.base import (
    NO_ROLE,
    TeamError,
    absolute_url,
    clean_capabilities,
    locked_role,
    role_snapshot,
    tell_managers,
)
from core import audit
from core.mail import send_templated_email


def _pending_request(role: AllianceRole, by: User, refused: str) -> AllianceRole:
    """The request, locked, if `by` may decide it and it still waits: 404 for people who
    cannot see the alliance, a message for a refusal or a replayed decision."""
    role = locked_role(role)
    require(permissions.can_view_alliance(by, role.alliance))
    if not permissions.can_manage_team(by, role.alliance) or role.role != TeamRole.ASSISTANT:
        raise TeamError(refused)
    if role.status != RoleStatus.PENDING:
        raise TeamError(
            _("This request was already decided (%(status)s); nothing was changed.")
            % {"status": role.get_status_display()}
        )
    return role


@transaction.atomic
def assistant_register(
    *, email: str, name: str, password: str, alliance: Alliance, note: str = ""
) -> AllianceRole:
    """A new assistant signs up naming an alliance: an unverified account and a pending
    role; the PI and co-PIs are told by email and see it on their dashboard."""
    user = user_create(email=email, name=name, password=password, email_verified=False)
    role = AllianceRole.objects.create(
        alliance=alliance,
        user=user,
        role=TeamRole.ASSISTANT,
        status=RoleStatus.PENDING,
        note=note,
    )
    audit.record(
        actor=user,
        action="role.requested",
        target=role,
        alliance=alliance,
        before=NO_ROLE,
        after=role_snapshot(role),
        reason=note,
    )
    team_url = absolute_url(reverse("alliance_team", args=[alliance.pk]))
    tell_managers(
        alliance, "assistant_requested", {"role": role, "alliance": alliance, "team_url": team_url}
    )
    return role


@transaction.atomic
def registration_attempted(*, user: User, alliance: Alliance) -> None:
    """Someone registered as an assistant with the email of an existing account. The form
    answers exactly as for a new address (no account enumeration, docs/security.md); the
    owner is told by email, in their language, and the attempt is in the audit trail."""
    audit.record(
        actor=None,
        action="account.registration_attempted",
        target=user,
        alliance=alliance,
        before={},
        after={"alliance": alliance.code or alliance.name_zh},
    )
    send_templated_email(
        to=[user.email],
        template="registration_attempted",
        context={
            "alliance": alliance,
            "login_url": absolute_url(reverse("account_login")),
            "reset_url": absolute_url(reverse("account_reset_password")),
        },
        language=user.preferred_language,
    )


@transaction.atomic
def assistant_approve(*, role: AllianceRole, by: User, capabilities) -> AllianceRole:
    role = _pending_request(
        role, by, _("Only the PI or a co-PI of this alliance can approve assistants.")
    )
    before = role_snapshot(role)
    role.status = RoleStatus.ACTIVE
    role.capabilities = clean_capabilities(capabilities)
    role.decided_at = timezone.now()
    role.decided_by = by
    role.save(update_fields=["status", "capabilities", "decided_at", "decided_by"])
    audit.record(
        actor=by,
        action="role.approved",
        target=role,
        alliance=role.alliance,
        before=before,
        after=role_snapshot(role),
    )
    send_templated_email(
        to=[role.user.email],
        template="assistant_approved",
        context={
            "role": role,
            "alliance": role.alliance,
            "url": absolute_url(reverse("alliance_dashboard", args=[role.alliance_id])),
        },
        language=role.user.preferred_language,
    )
    return role


@transaction.atomic
def assistant_reject(*, role: AllianceRole, by: User, reason: str) -> AllianceRole:
    role = _pending_request(
        role, by, _("Only the PI or a co-PI of this alliance can reject assistants.")
    )
    reason = (reason or "").strip()
    if not reason:
        raise TeamError(_("Say why the request is rejected; the assistant receives the reason."))
    before = role_snapshot(role)
    role.status = RoleStatus.REJECTED
    role.reason = reason
    role.decided_at = timezone.now()
    role.decided_by = by
    role.ended_at = role.decided_at
    role.save(update_fields=["status", "reason", "decided_at", "decided_by", "ended_at"])
    audit.record(
        actor=by,
        action="role.rejected",
        target=role,
        alliance=role.alliance,
        before=before,
        after=role_snapshot(role),
        reason=reason,
    )
    send_templated_email(
        to=[role.user.email],
        template="assistant_rejected",
        context={"role": role, "alliance": role.alliance, "reason": reason},
        language=role.user.preferred_language,
    )
    return role


@transaction.atomic
def assistant_set_capabilities(*, role: AllianceRole, by: User, capabilities) -> AllianceRole:
    role = locked_role(role)
    require(permissions.can_view_alliance(by, role.alliance))
    if not permissions.can_manage_team(by, role.alliance):
        raise TeamError(_("Only the PI or a co-PI of this alliance can change capabilities."))
    if role.role != TeamRole.ASSISTANT or role.status != RoleStatus.ACTIVE:
        raise TeamError(_("Capabilities apply to approved assistants only."))
    chosen = clean_capabilities(capabilities)
    if chosen == sorted(role.capabilities):
        raise TeamError(_("Nothing to change: the assistant already has these capabilities."))
    before = role_snapshot(role)
    role.capabilities = chosen
    role.save(update_fields=["capabilities"])
    audit.record(
        actor=by,
        action="role.capabilities_changed",
        target=role,
        alliance=role.alliance,
        before=before,
        after=role_snapshot(role),
    )
    return role


@transaction.atomic
def role_revoke(*, role: AllianceRole, by: User, reason: str = "") -> AllianceRole:
    """End an assistant's access (PI or co-PI) or remove a co-PI (PI only)."""
    role = locked_role(role)
    require(permissions.can_view_alliance(by, role.alliance))
    if role.status != RoleStatus.ACTIVE:
        raise TeamError(_("This role is not active; nothing was changed."))
    if not permissions.can_revoke(by, role):
        raise TeamError(_("You cannot end this role."))
    before = role_snapshot(role)
    role.status = RoleStatus.REVOKED
    role.reason = (reason or "").strip()
    role.ended_at = timezone.now()
    role.decided_by = by
    role.save(update_fields=["status", "reason", "ended_at", "decided_by"])
    audit.record(
        actor=by,
        action="role.revoked",
        target=role,
        alliance=role.alliance,
        before=before,
        after=role_snapshot(role),
        reason=role.reason,
    )
    return role
