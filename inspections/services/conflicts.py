"""Conflicts of interest (issue 28): the reviewers' affiliations, the check when the office
assigns a reviewer (refused, or overridden with a recorded reason), and the reviewer's
declaration before opening their form (no conflict; or a conflict, which withdraws them)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ProgrammeRole, User
from accounts.permissions import is_reviewer, require
from core import audit, roc
from core.mail import send_templated_email
from inspections import conflicts, permissions
from inspections.models import (
    AffiliationKind,
    AffiliationTie,
    ConflictDeclaration,
    FormStatus,
    ReviewerAffiliation,
    ReviewForm,
)
from inspections.services.attendees import resolve_firm
from inspections.services.base import (
    VisitError,
    absolute_url,
    alliance_of,
    audit_visit,
)
from inspections.services.invitations import send_invitations

MAX_REASON = 500


# --- affiliations ----------------------------------------------------------------------


def _affiliation_state(affiliation) -> dict:
    return {
        "reviewer": affiliation.reviewer_id,
        "kind": affiliation.kind,
        "tie": affiliation.tie,
        "institution": affiliation.institution,
        "firm": affiliation.firm_id,
        "ubn": affiliation.ubn,
        "firm_name": affiliation.firm_name,
    }


@transaction.atomic
def affiliation_add(*, reviewer, by, kind: str, tie: str, name: str) -> ReviewerAffiliation:
    """A reviewer (or the office for them) declares an institution, or a firm by its
    統一編號 or name (linked to the registry's firm when there is one)."""
    require(permissions.can_keep_affiliations(by, reviewer))
    if reviewer.programme_role != ProgrammeRole.REVIEWER:
        raise VisitError(_("%(name)s is not a site-visit reviewer.") % {"name": reviewer})
    if kind not in AffiliationKind.values:
        raise VisitError(_("Choose an institution or a firm."))
    if tie not in AffiliationTie.values:
        raise VisitError(_("Choose the kind of tie."))
    name = " ".join((name or "").split())
    if not name:
        raise VisitError(_("Name the institution or the firm."))
    affiliation = ReviewerAffiliation(reviewer=reviewer, kind=kind, tie=tie, created_by=by)
    if kind == AffiliationKind.INSTITUTION:
        if len(name) > 120:
            raise VisitError(_("An institution's name is at most 120 characters."))
        affiliation.institution = name
    else:
        from members.ubn import is_valid_ubn, normalize_ubn

        if len(name) > 200:
            raise VisitError(_("A firm's name is at most 200 characters."))
        ubn = normalize_ubn(name)
        looks_like_ubn = ubn.isascii() and ubn.isdecimal() and len(ubn) == 8
        if looks_like_ubn and not is_valid_ubn(ubn):
            raise VisitError(
                _("%(ubn)s is not a valid unified business number (UBN).") % {"ubn": ubn}
            )
        firm = resolve_firm(name)
        affiliation.firm = firm
        affiliation.ubn = ubn if looks_like_ubn else (firm.ubn if firm else "")
        affiliation.firm_name = firm.name if firm else ("" if looks_like_ubn else name)
    if any(
        (a.kind, a.institution, a.firm_id, a.ubn, a.firm_name)
        == (
            affiliation.kind,
            affiliation.institution,
            affiliation.firm_id,
            affiliation.ubn,
            affiliation.firm_name,
        )
        for a in reviewer.affiliations.all()
    ):
        raise VisitError(_("%(name)s is already listed.") % {"name": affiliation.label})
    affiliation.save()
    audit.record(
        actor=by,
        action="reviewer.affiliation_added",
        target=reviewer,
        after=_affiliation_state(affiliation),
    )
    return affiliation


@transaction.atomic
def affiliation_remove(*, affiliation, by) -> None:
    require(permissions.can_keep_affiliations(by, affiliation.reviewer))
    before = _affiliation_state(affiliation)
    reviewer = affiliation.reviewer
    affiliation.delete()
    audit.record(actor=by, action="reviewer.affiliation_removed", target=reviewer, before=before)


# --- assigning reviewers ---------------------------------------------------------------


def check_assignment(alliance_year, reviewers, *, visit=None, override_reason: str = "") -> dict:
    """The conflicts of the reviewers about to be assigned: {user pk: [Conflict]}.
    Refused, naming each reviewer and reason, unless the office gives a reason."""
    found = conflicts.conflicts_for(alliance_year, reviewers, visit=visit)
    if not found:
        return {}
    reason = (override_reason or "").strip()
    sentences = [conflicts.describe(u, found[u.pk]) for u in reviewers if u.pk in found]
    if not reason:
        raise VisitError(
            _(
                "Conflict of interest: %(conflicts)s Choose another reviewer, or assign them "
                "anyway with the reason recorded."
            )
            % {"conflicts": " ".join(sentences)}
        )
    if len(reason) > MAX_REASON:
        raise VisitError(
            _("The reason for assigning despite a conflict is at most %(n)s characters.")
            % {"n": MAX_REASON}
        )
    return found


def record_overrides(visit, found: dict, *, reason: str, by) -> None:
    """Keep the override with each assignment concerned, with its audit event."""
    if not found:
        return
    reason = reason.strip()
    now = timezone.now()
    for form in visit.forms.filter(reviewer_id__in=list(found)).select_related("reviewer"):
        form.override_conflicts = [c.as_json() for c in found[form.reviewer_id]]
        form.override_reason = reason
        form.overridden_by = by
        form.overridden_at = now
        form.save(
            update_fields=[
                "override_conflicts",
                "override_reason",
                "overridden_by",
                "overridden_at",
            ]
        )
        audit_visit(
            visit,
            "visit.conflict_overridden",
            by,
            after={
                "form": form.pk,
                "reviewer": form.reviewer_id,
                "conflicts": form.override_conflicts,
            },
            reason=reason,
        )


# --- the reviewer's declaration ----------------------------------------------------------


def has_declared(form) -> bool:
    """Whether the reviewer declared no conflict for this assignment."""
    cache = getattr(form.visit, "_prefetched_objects_cache", {}).get("declarations")
    if cache is not None:
        return any(d.form_id == form.pk and not d.conflict for d in cache)
    return ConflictDeclaration.objects.filter(form=form, conflict=False).exists()


def _own_open_form(form, by) -> ReviewForm:
    form = (
        # The form and its visit, in one statement, as form_save locks them.
        ReviewForm.objects.select_for_update(of=("self", "visit"))
        .select_related("visit__alliance_year__alliance", "reviewer")
        .get(pk=form.pk)
    )
    require(is_reviewer(by) and form.reviewer_id == by.pk)
    if not form.visit.is_open:
        raise VisitError(
            _("The visit is %(status)s; its forms can no longer change.")
            % {"status": form.visit.get_status_display()}
        )
    return form


@transaction.atomic
def declare_no_conflict(*, form, by) -> ConflictDeclaration:
    """The reviewer declares they have no conflict of interest with the visited alliance;
    kept with their form, with the time. Declaring again changes nothing."""
    form = _own_open_form(form, by)
    existing = ConflictDeclaration.objects.filter(form=form, conflict=False).first()
    if existing is not None:
        return existing
    declaration = ConflictDeclaration.objects.create(
        visit=form.visit, reviewer=by, form=form, conflict=False
    )
    audit_visit(
        form.visit,
        "visit.no_conflict_declared",
        by,
        after={
            "form": form.pk,
            "reviewer": by.pk,
            "declared_at": declaration.declared_at.isoformat(),
        },
    )
    return declaration


def _office_recipients(visit) -> list[User]:
    """Who is told of a withdrawal: the office staff of the visit and whoever scheduled
    it; else every office account."""
    people = [u for u in visit.staff.all() if u.programme_role == ProgrammeRole.OFFICE]
    if visit.created_by_id and visit.created_by.programme_role == ProgrammeRole.OFFICE:
        people.append(visit.created_by)
    people = [u for u in people if u.is_active]
    if not people:
        people = list(User.objects.filter(programme_role=ProgrammeRole.OFFICE, is_active=True))
    seen, result = set(), []
    for user in people:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


@transaction.atomic
def declare_conflict(*, form, by, description: str) -> ConflictDeclaration:
    """The reviewer declares a conflict of interest: they are withdrawn from the visit
    (their form and any draft scores go, kept in the audit event), the declaration stays
    for the office, who is told by email and may assign another reviewer."""
    description = " ".join((description or "").split())
    if not description:
        raise VisitError(_("Describe the conflict in a few words."))
    if len(description) > MAX_REASON:
        raise VisitError(
            _("Describe the conflict in at most %(n)s characters.") % {"n": MAX_REASON}
        )
    form = _own_open_form(form, by)
    if form.status == FormStatus.SUBMITTED:
        raise VisitError(
            _(
                "Your form is submitted. Ask the programme office to return it before you "
                "withdraw from the visit."
            )
        )
    visit = form.visit
    before = {
        "form": form.pk,
        "status": form.status,
        "scores": {row.point: row.score for row in form.scores.all()},
        "recommendation": form.recommendation,
    }
    declaration = ConflictDeclaration.objects.create(
        visit=visit, reviewer=by, form=None, conflict=True, description=description
    )
    form.delete()
    visit.sequence += 1  # the withdrawn reviewer's calendar drops the visit
    visit.save(update_fields=["sequence"])
    audit_visit(
        visit,
        "visit.conflict_declared",
        by,
        before=before,
        after={"reviewer": by.pk, "withdrawn": True},
        reason=description,
    )
    send_invitations(visit, [(by, "reviewer")], kind="cancellation", by=by)
    url = absolute_url(reverse("visit_edit", kwargs={"vid": visit.pk}))
    for user in _office_recipients(visit):
        send_templated_email(
            to=[user.email],
            template="visit_conflict_declared",
            context={
                "visit": visit,
                "alliance": alliance_of(visit),
                "reviewer": by,
                "description": description,
                "when": roc.format_roc_datetime(visit.starts_at),
                "url": url,
            },
            language=user.preferred_language,
            dedupe_key=f"visit:{visit.pk}:conflict:{declaration.pk}:{user.pk}",
            created_by=by,
        )
    return declaration
