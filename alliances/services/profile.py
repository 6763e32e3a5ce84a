"""An alliance's public profile: proposed, decided by the office."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import is_office, require
from alliances import permissions
from alliances.models import Alliance
from alliances.services.base import TeamError, tell_managers
from core import audit


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
    tell_managers(
        alliance, "profile_decided", {"alliance": alliance, "approved": approve, "reason": reason}
    )
    return revision
