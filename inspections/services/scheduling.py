"""Scheduling a site visit: the checks, scheduling, changing and cancelling it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ProgrammeRole
from accounts.permissions import require
from alliances.models import AllianceYear, RoleStatus
from core import roc
from inspections import permissions
from inspections.models import (
    FormStatus,
    ReviewForm,
    SiteVisit,
    VisitStatus,
)
from inspections.services.base import MAX_TEXT, VisitError, audit_visit, locked_visit, visit_state
from inspections.services.conflicts import check_assignment, record_overrides
from inspections.services.invitations import invitees, send_invitations


def _check_people(alliance_year, reviewers, staff) -> None:
    for user in reviewers:
        if not (user.is_active and user.programme_role == ProgrammeRole.REVIEWER):
            raise VisitError(_("%(name)s is not a site-visit reviewer.") % {"name": user})
        if user.alliance_roles.filter(
            alliance_id=alliance_year.alliance_id, status=RoleStatus.ACTIVE
        ).exists():
            raise VisitError(
                _("%(name)s is on this alliance's team and cannot review it; choose another.")
                % {"name": user}
            )
    for user in staff:
        if not (
            user.is_active and user.programme_role in (ProgrammeRole.OFFICE, ProgrammeRole.VIEWER)
        ):
            raise VisitError(
                _("%(name)s is not programme-office or department staff.") % {"name": user}
            )


def _check_time(alliance_year, starts_at) -> None:
    year = alliance_year.programme_year
    day = timezone.localtime(starts_at).date()
    if not year.contains(day):
        raise VisitError(
            _(
                "A visit of programme year %(year)s must fall between %(start)s and %(end)s; "
                "%(date)s does not."
            )
            % {
                "year": year.roc_year,
                "start": roc.format_roc_date(year.starts_on),
                "end": roc.format_roc_date(year.ends_on),
                "date": roc.format_roc_date(day),
            }
        )


def _clean_agenda(agenda) -> list[dict]:
    rows = [
        {"item": str(row["item"]).strip()[:200], "minutes": int(row["minutes"])}
        for row in agenda
        if str(row.get("item", "")).strip()
    ]
    if not rows:
        raise VisitError(_("The agenda needs at least one item."))
    if any(not 1 <= row["minutes"] <= 480 for row in rows):
        raise VisitError(_("Each agenda item lasts between 1 and 480 minutes."))
    return rows


@transaction.atomic
def visit_schedule(
    *, alliance_year, starts_at, place, agenda, reviewers, staff, by, override_reason=""
) -> SiteVisit:
    """The office schedules a visit: one form per reviewer; everyone invited with an .ics.
    A reviewer with a conflict of interest is refused unless `override_reason` says why
    they are assigned anyway (kept with their form, audited)."""
    require(permissions.can_manage(by))
    # Two offices scheduling the same alliance at once: the second waits here, then sees
    # the first's visit (rather than meeting the unique constraint).
    AllianceYear.objects.select_for_update().filter(pk=alliance_year.pk).first()
    if (
        SiteVisit.objects.filter(alliance_year=alliance_year)
        .exclude(status=VisitStatus.CANCELLED)
        .exists()
    ):
        raise VisitError(
            _("%(alliance)s already has a site visit in %(year)s; change that one instead.")
            % {"alliance": alliance_year.alliance, "year": alliance_year.programme_year.roc_year}
        )
    reviewers, staff = list(reviewers), list(staff)
    _check_people(alliance_year, reviewers, staff)
    _check_time(alliance_year, starts_at)
    found = check_assignment(alliance_year, reviewers, override_reason=override_reason)
    visit = SiteVisit.objects.create(
        alliance_year=alliance_year,
        starts_at=starts_at,
        place=(place or "").strip()[:200] or alliance_year.alliance.institution,
        agenda=_clean_agenda(agenda),
        created_by=by,
    )
    visit.staff.set(staff)
    for user in reviewers:
        ReviewForm.objects.create(visit=visit, reviewer=user)
    audit_visit(visit, "visit.scheduled", by, after=visit_state(visit))
    record_overrides(visit, found, reason=override_reason, by=by)
    send_invitations(visit, invitees(visit), kind="invitation", by=by)
    return visit


@transaction.atomic
def visit_change(
    *, visit, starts_at, place, agenda, reviewers, staff, by, override_reason=""
) -> SiteVisit:
    """Change time, place, agenda or people. A new time, place or agenda goes to everyone
    as an updated invitation; people added get the invitation, people removed a
    cancellation. A reviewer who has submitted their form stays. Reviewers added are
    checked for conflicts of interest as in visit_schedule."""
    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if not visit.is_open:
        raise VisitError(
            _("Only a scheduled visit can be changed; this one is %(status)s.")
            % {"status": visit.get_status_display()}
        )
    reviewers, staff = list(reviewers), list(staff)
    # Only people added now are checked: someone already on the visit whose role has since
    # changed (a reviewer who submitted, then left the programme) does not block a change.
    assigned = set(visit.forms.values_list("reviewer_id", flat=True))
    on_staff = set(visit.staff.values_list("pk", flat=True))
    new_reviewers = [u for u in reviewers if u.pk not in assigned]
    _check_people(visit.alliance_year, new_reviewers, [u for u in staff if u.pk not in on_staff])
    _check_time(visit.alliance_year, starts_at)
    found = check_assignment(
        visit.alliance_year, new_reviewers, visit=visit, override_reason=override_reason
    )
    before = visit_state(visit)
    old_people = {u.pk: (u, role) for u, role in invitees(visit)}
    keep = {u.pk for u in reviewers}
    leaving = list(visit.forms.exclude(reviewer_id__in=keep).select_related("reviewer"))
    scored = [f for f in leaving if f.status == FormStatus.SUBMITTED]
    if scored:
        raise VisitError(
            _("%(name)s has submitted a form for this visit and cannot be removed.")
            % {"name": scored[0].reviewer}
        )
    for form in leaving:
        form.delete()
    have = set(visit.forms.values_list("reviewer_id", flat=True))
    for user in reviewers:
        if user.pk not in have:
            ReviewForm.objects.create(visit=visit, reviewer=user)
    visit.staff.set(staff)
    agenda = _clean_agenda(agenda)
    place = (place or "").strip()[:200] or visit.alliance_year.alliance.institution
    moved = (visit.starts_at, visit.place, visit.agenda) != (starts_at, place, agenda)
    visit.starts_at, visit.place, visit.agenda = starts_at, place, agenda
    now_people = invitees(visit)
    now_ids = {u.pk for u, _role in now_people}
    added = [pair for pair in now_people if pair[0].pk not in old_people]
    staying = [pair for pair in now_people if pair[0].pk in old_people]
    gone = [pair for pk, pair in old_people.items() if pk not in now_ids]
    if moved or added or gone:
        # Every message of this change carries a new SEQUENCE: calendars apply it, and a
        # person removed and added again gets a fresh invitation.
        visit.sequence += 1
    visit.save()
    after = visit_state(visit)
    audit_visit(visit, "visit.changed", by, before=before, after=after)
    record_overrides(visit, found, reason=override_reason, by=by)
    if moved:
        send_invitations(visit, staying, kind="update", by=by)
    send_invitations(visit, added, kind="invitation", by=by)
    send_invitations(visit, gone, kind="cancellation", by=by)
    return visit


@transaction.atomic
def visit_cancel(*, visit, by, reason: str) -> SiteVisit:
    require(permissions.can_manage(by))
    visit = locked_visit(visit)
    if not visit.is_open:
        raise VisitError(
            _("Only a scheduled visit can be cancelled; this one is %(status)s.")
            % {"status": visit.get_status_display()}
        )
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise VisitError(_("Say why the visit is cancelled; the people invited are told."))
    people = invitees(visit)
    visit.status = VisitStatus.CANCELLED
    visit.cancel_reason = reason
    visit.sequence += 1
    visit.save()
    audit_visit(
        visit,
        "visit.cancelled",
        by,
        before={"status": VisitStatus.SCHEDULED},
        after={"status": visit.status},
        reason=reason,
    )
    send_invitations(visit, people, kind="cancellation", by=by)
    return visit
