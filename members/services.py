"""State changes of firms and memberships: one transaction and one audit event each; the
membership's counting verdict (members.rules) is computed on every save."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliances.locking import ledger_lock
from core import audit
from members import rules
from members.models import Firm, Membership


class MembershipError(Exception):
    """A refused change, with a message for the person who tried it."""


def apply_verdict(membership: Membership) -> None:
    verdict = rules.member_kind(entered_kind=membership.entered_kind, firm=membership.firm)
    membership.counted_kind = verdict.counted_kind
    membership.rule = verdict.rule
    membership.rule_params = verdict.params


def _membership_state(m: Membership) -> dict:
    return {
        "member": m.member_name,
        "entered_kind": m.entered_kind,
        "counted_kind": m.counted_kind,
        "rule": m.rule,
        "annual_fee": m.annual_fee,
        "joined_on": m.joined_on.isoformat() if m.joined_on else None,
    }


def _firm_state(f: Firm) -> dict:
    return {"name": f.name, "country": f.country, "ubn": f.ubn, "entity_type": f.entity_type}


@transaction.atomic
def recompute_verdicts(firm: Firm) -> int:
    """Recompute the verdicts of a firm's memberships; returns how many changed."""
    changed = 0
    for membership in (
        Membership.objects.select_for_update().filter(firm=firm).select_related("firm")
    ):
        old = (membership.counted_kind, membership.rule)
        apply_verdict(membership)
        if (membership.counted_kind, membership.rule) != old:
            membership.save(update_fields=["counted_kind", "rule", "rule_params", "updated_at"])
            changed += 1
    return changed


@transaction.atomic
def firm_save(*, firm: Firm, by) -> Firm:
    """Create or change a firm; when its facts change, the verdicts of its memberships are
    recomputed in the same transaction (M3 may flip a company to "other")."""
    before = None
    if firm.pk:
        before = _firm_state(Firm.objects.select_for_update().get(pk=firm.pk))
    firm.full_clean()
    firm.save()
    recomputed = 0
    for membership in (
        Membership.objects.select_for_update().filter(firm=firm).select_related("firm")
    ):
        old = (membership.counted_kind, membership.rule)
        apply_verdict(membership)
        if (membership.counted_kind, membership.rule) != old:
            membership.save(update_fields=["counted_kind", "rule", "rule_params", "updated_at"])
            recomputed += 1
    audit.record(
        actor=by,
        action="firm.changed" if before else "firm.created",
        target=firm,
        before=before or {},
        after={**_firm_state(firm), "verdicts_changed": recomputed},
    )
    return firm


@transaction.atomic
def firm_merge(*, duplicate: Firm, survivor: Firm, by, reason: str = "") -> Firm:
    """The office merges a duplicate firm into another: its memberships move over, the
    duplicate stays as a record pointing at the survivor."""
    if duplicate.pk == survivor.pk:
        raise MembershipError(_("A firm cannot be merged into itself."))
    duplicate = Firm.objects.select_for_update().get(pk=duplicate.pk)
    survivor = Firm.objects.select_for_update().get(pk=survivor.pk)
    if duplicate.merged_into_id or survivor.merged_into_id:
        raise MembershipError(_("One of these firms was already merged."))
    clash = Membership.objects.filter(
        firm=duplicate,
        alliance_year__in=Membership.objects.filter(firm=survivor).values("alliance_year"),
    ).select_related("alliance_year__alliance", "alliance_year__programme_year")
    if clash:
        years = ", ".join(str(m.alliance_year) for m in clash)
        raise MembershipError(
            _(
                "Both firms are members of the same alliance in the same year (%(years)s); "
                "remove one membership first."
            )
            % {"years": years}
        )
    # Mark the merge first: whatever is recomputed when the memberships move (the ledger)
    # already sees the duplicate as the survivor.
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["merged_into", "updated_at"])
    # Firms merged into the duplicate before now point at the survivor too: no chains.
    Firm.objects.filter(merged_into=duplicate).update(merged_into=survivor)
    moved = list(Membership.objects.select_for_update().filter(firm=duplicate))
    for membership in moved:
        membership.firm = survivor
        apply_verdict(membership)
        membership.save(update_fields=["firm", "counted_kind", "rule", "rule_params", "updated_at"])
    audit.record(
        actor=by,
        action="firm.merged",
        target=survivor,
        before={"duplicate": _firm_state(duplicate), "survivor": _firm_state(survivor)},
        after={"survivor": _firm_state(survivor), "memberships_moved": len(moved)},
        reason=reason,
    )
    return survivor


def _clean(membership: Membership) -> None:
    apply_verdict(membership)
    try:
        membership.full_clean()
    except ValidationError as error:
        raise MembershipError("; ".join(error.messages)) from error


@transaction.atomic
def membership_save(*, membership: Membership, by) -> Membership:
    """Create or change a membership, with its verdict."""
    ledger_lock(membership.alliance_year_id)
    before = None
    if membership.pk:
        before = _membership_state(Membership.objects.select_related("firm").get(pk=membership.pk))
    _clean(membership)
    membership.save()
    audit.record(
        actor=by,
        action="membership.changed" if before else "membership.created",
        target=membership,
        alliance=membership.alliance_year.alliance,
        before=before or {},
        after=_membership_state(membership),
    )
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, by) -> None:
    ledger_lock(membership.alliance_year_id)
    before = _membership_state(membership)
    alliance = membership.alliance_year.alliance
    audit.record(
        actor=by,
        action="membership.deleted",
        target=membership,
        alliance=alliance,
        before=before,
        after={"deleted": True},
    )
    membership.delete()


@transaction.atomic
def memberships_copy(*, source, target, by) -> int:
    """Copy last year's members into a new alliance-year in one action; members already
    present in the target are left alone. Returns how many were copied."""
    if source.alliance_id != target.alliance_id:
        raise MembershipError(_("Members can only be copied within one alliance."))
    # Two clicks at once copy once: the second waits here, then finds the members present.
    ledger_lock(target.pk)
    target = type(target).objects.select_for_update().get(pk=target.pk)
    present_firms = set(target.memberships.exclude(firm=None).values_list("firm_id", flat=True))
    present_people = set(target.memberships.filter(firm=None).values_list("person_name", flat=True))
    copies = []
    for m in source.memberships.select_related("firm"):
        if (m.firm_id and m.firm_id in present_firms) or (
            not m.firm_id and m.person_name in present_people
        ):
            continue
        copy = Membership(
            alliance_year=target,
            firm=m.firm,
            person_name=m.person_name,
            entered_kind=m.entered_kind,
            joined_on=m.joined_on,
            annual_fee=m.annual_fee,
            contact_name=m.contact_name,
            contact_email=m.contact_email,
            contact_phone=m.contact_phone,
            note=m.note,
        )
        apply_verdict(copy)
        copies.append(copy)
    Membership.objects.bulk_create(copies)
    audit.record(
        actor=by,
        action="membership.copied",
        target=target,
        alliance=target.alliance,
        before={"from_year": source.programme_year.roc_year},
        after={"to_year": target.programme_year.roc_year, "copied": len(copies)},
    )
    return len(copies)
