"""State changes of alliance teams. Each service runs in one transaction, checks who may
act (404 for those who may not see the alliance, TeamError for a refusal people should
read) and writes exactly one audit event for the role event it performs.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_office, require
from accounts.services import user_create
from accounts.tokens import make_invitation_token
from alliances import permissions
from alliances.models import LIVE_STATUSES, Alliance, AllianceRole, Capability, RoleStatus, TeamRole
from core import audit
from core.mail import send_templated_email


class TeamError(Exception):
    """A refused team change, with a message for the person who tried it."""


NO_ROLE = {"role": None, "status": None}


def _snapshot(role: AllianceRole) -> dict:
    return {
        "user": role.user.email,
        "role": role.role,
        "status": role.status,
        "capabilities": sorted(role.capabilities),
    }


def _clean_capabilities(capabilities) -> list[str]:
    allowed = set(Capability.values)
    chosen = sorted(set(capabilities or []))
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        raise TeamError(_("Unknown capability: %(names)s") % {"names": ", ".join(unknown)})
    return chosen


def _link(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def _locked_role(role: AllianceRole) -> AllianceRole:
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


def _tell_managers(alliance: Alliance, template: str, context: dict) -> None:
    """Email the alliance's PI and co-PIs, each in their own language."""
    for manager in _team_managers(alliance):
        send_templated_email(
            to=[manager.email],
            template=template,
            context=context,
            language=manager.preferred_language,
        )


# --- assistants -------------------------------------------------------------------------


def _pending_request(role: AllianceRole, by: User, refused: str) -> AllianceRole:
    """The request, locked, if `by` may decide it and it still waits: 404 for people who
    cannot see the alliance, a message for a refusal or a replayed decision."""
    role = _locked_role(role)
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
        after=_snapshot(role),
        reason=note,
    )
    team_url = _link(reverse("alliance_team", args=[alliance.pk]))
    _tell_managers(
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
            "login_url": _link(reverse("account_login")),
            "reset_url": _link(reverse("account_reset_password")),
        },
        language=user.preferred_language,
    )


@transaction.atomic
def assistant_approve(*, role: AllianceRole, by: User, capabilities) -> AllianceRole:
    role = _pending_request(
        role, by, _("Only the PI or a co-PI of this alliance can approve assistants.")
    )
    before = _snapshot(role)
    role.status = RoleStatus.ACTIVE
    role.capabilities = _clean_capabilities(capabilities)
    role.decided_at = timezone.now()
    role.decided_by = by
    role.save(update_fields=["status", "capabilities", "decided_at", "decided_by"])
    audit.record(
        actor=by,
        action="role.approved",
        target=role,
        alliance=role.alliance,
        before=before,
        after=_snapshot(role),
    )
    send_templated_email(
        to=[role.user.email],
        template="assistant_approved",
        context={
            "role": role,
            "alliance": role.alliance,
            "url": _link(reverse("alliance_dashboard", args=[role.alliance_id])),
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
    before = _snapshot(role)
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
        after=_snapshot(role),
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
    role = _locked_role(role)
    require(permissions.can_view_alliance(by, role.alliance))
    if not permissions.can_manage_team(by, role.alliance):
        raise TeamError(_("Only the PI or a co-PI of this alliance can change capabilities."))
    if role.role != TeamRole.ASSISTANT or role.status != RoleStatus.ACTIVE:
        raise TeamError(_("Capabilities apply to approved assistants only."))
    chosen = _clean_capabilities(capabilities)
    if chosen == sorted(role.capabilities):
        raise TeamError(_("Nothing to change: the assistant already has these capabilities."))
    before = _snapshot(role)
    role.capabilities = chosen
    role.save(update_fields=["capabilities"])
    audit.record(
        actor=by,
        action="role.capabilities_changed",
        target=role,
        alliance=role.alliance,
        before=before,
        after=_snapshot(role),
    )
    return role


@transaction.atomic
def role_revoke(*, role: AllianceRole, by: User, reason: str = "") -> AllianceRole:
    """End an assistant's access (PI or co-PI) or remove a co-PI (PI only)."""
    role = _locked_role(role)
    require(permissions.can_view_alliance(by, role.alliance))
    if role.status != RoleStatus.ACTIVE:
        raise TeamError(_("This role is not active; nothing was changed."))
    if not permissions.can_revoke(by, role):
        raise TeamError(_("You cannot end this role."))
    before = _snapshot(role)
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
        after=_snapshot(role),
        reason=role.reason,
    )
    return role


# --- PIs and co-PIs ---------------------------------------------------------------------


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
        url = _link(reverse("invitation_accept", args=[make_invitation_token(user)]))
        template = "invitation"
    else:
        url = _link(reverse("alliance_dashboard", args=[alliance.pk]))
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
        after=_snapshot(role),
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


# --- public profile ---------------------------------------------------------------------


def profile_data(alliance: Alliance) -> dict:
    """The public profile as plain data (what a revision proposes, what the diff shows)."""
    from alliances.models import PROFILE_FIELDS

    data = {}
    for name in PROFILE_FIELDS:
        value = getattr(alliance, "field_id" if name == "field" else name)
        data[name] = value
    return data


@transaction.atomic
def profile_propose(*, alliance: Alliance, by: User, data: dict, banner=None):
    """The PI or a co-PI proposes a new public profile; it waits for the office. A newer
    proposal replaces a pending one."""
    from alliances.models import ProfileRevision, RevisionStatus

    require(permissions.can_view_alliance(by, alliance))
    if not permissions.can_manage_team(by, alliance):
        raise TeamError(_("Only the PI or a co-PI can change the alliance's profile."))
    pending = ProfileRevision.objects.select_for_update().filter(
        alliance=alliance, status=RevisionStatus.PENDING
    )
    for old in pending:
        old.status = RevisionStatus.WITHDRAWN
        old.decided_at = timezone.now()
        old.save(update_fields=["status", "decided_at"])
    revision = ProfileRevision(alliance=alliance, data=data, submitted_by=by)
    if banner is None and pending:
        revision.banner = pending[0].banner  # keep a banner proposed before
    elif banner is not None:
        revision.banner = banner
    revision.save()
    audit.record(
        actor=by,
        action="profile.proposed",
        target=revision,
        alliance=alliance,
        before=_jsonable(profile_data(alliance)),
        after=_jsonable(data) | ({"banner": revision.banner.name} if revision.banner else {}),
    )
    return revision


def _jsonable(data: dict) -> dict:
    return {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in data.items()}


@transaction.atomic
def profile_decide(*, revision, by: User, approve: bool, reason: str = ""):
    """The office publishes a proposed profile, or returns it with a reason."""
    from alliances.models import PROFILE_FIELDS, ProfileRevision, RevisionStatus

    require(is_office(by))
    revision = (
        ProfileRevision.objects.select_for_update().select_related("alliance").get(pk=revision.pk)
    )
    if revision.status != RevisionStatus.PENDING:
        raise TeamError(_("This proposal was already decided; nothing was changed."))
    alliance = Alliance.objects.select_for_update().get(pk=revision.alliance_id)
    before = profile_data(alliance)
    if approve:
        for name in PROFILE_FIELDS:
            if name in revision.data:
                setattr(alliance, "field_id" if name == "field" else name, revision.data[name])
        if revision.banner:
            alliance.banner = revision.banner
        alliance.profile_published_at = timezone.now()
        try:
            alliance.full_clean(exclude=["code"])
        except ValidationError as error:
            raise TeamError(
                _("The proposal cannot be published: %(errors)s")
                % {"errors": " ".join(error.messages)}
            ) from error
        alliance.save()
        revision.status = RevisionStatus.APPROVED
    else:
        reason = (reason or "").strip()
        if not reason:
            raise TeamError(
                _("Say why the proposal is returned; the alliance receives the reason.")
            )
        revision.status = RevisionStatus.REJECTED
    revision.reason = reason
    revision.decided_by = by
    revision.decided_at = timezone.now()
    revision.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit.record(
        actor=by,
        action="profile.published" if approve else "profile.returned",
        target=revision,
        alliance=alliance,
        before=_jsonable(before),
        after=_jsonable(profile_data(alliance)),
        reason=reason,
    )
    _tell_managers(
        alliance, "profile_decided", {"alliance": alliance, "approved": approve, "reason": reason}
    )
    return revision


@transaction.atomic
def alliance_year_save(*, alliance_year, by: User):
    """The office opens or changes an alliance-year (phase, subsidy, R8 weight)."""
    from alliances.models import AllianceYear

    require(is_office(by))
    before = {}
    if alliance_year.pk:
        old = AllianceYear.objects.select_for_update().get(pk=alliance_year.pk)
        before = {
            "phase": old.phase,
            "phase_year": old.phase_year,
            "subsidy": old.subsidy,
            "collaboration_weight": old.collaboration_weight,
        }
    alliance_year.full_clean()
    alliance_year.save()
    audit.record(
        actor=by,
        action="alliance_year.changed" if before else "alliance_year.opened",
        target=alliance_year,
        alliance=alliance_year.alliance,
        before=before,
        after={
            "phase": alliance_year.phase,
            "phase_year": alliance_year.phase_year,
            "subsidy": alliance_year.subsidy,
            "collaboration_weight": alliance_year.collaboration_weight,
        },
    )
    return alliance_year


PROGRAMME_YEAR_FIELDS = [
    "expected_outcomes_opens",
    "expected_outcomes_due",
    "first_kpi_opens",
    "first_kpi_due",
    "second_kpi_opens",
    "second_kpi_due",
    "banner_due",
    "midterm_report_due",
    "subsidy_cap",
    "collaboration_weight_phase1",
    "collaboration_weight_phase2",
    "target_company_members",
    "target_fee_per_firm",
    "visit_score_min",
    "visit_score_max",
]


def _year_state(year) -> dict:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name in PROGRAMME_YEAR_FIELDS
        for value in [getattr(year, name)]
    }


@transaction.atomic
def programme_year_save(*, year, by: User):
    """The office opens a programme year or changes its calendar (windows and deadlines,
    domain.md §4) and settings. Filings, reminders and the home page follow at once."""
    from alliances.models import ProgrammeYear

    require(is_office(by))
    before = {}
    if year.pk:
        before = _year_state(ProgrammeYear.objects.select_for_update().get(pk=year.pk))
    year.full_clean()
    year.save()
    audit.record(
        actor=by,
        action="programme_year.changed" if before else "programme_year.opened",
        target=year,
        before=before,
        after=_year_state(year),
    )
    return year
