"""Every change to a site visit, its forms and the awards: one transaction each, with its
audit event, and the emails it causes queued in the same transaction.

Refusals raise VisitError with a message for the person who tried; a caller who may not
act at all gets Http404 (accounts.permissions.require).
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import ProgrammeRole, User
from accounts.permissions import is_reviewer, require
from alliances.models import AllianceYear, ProgrammeYear, RoleStatus
from alliances.selectors import team_recipients
from core import audit, ics, roc
from core.mail import send_templated_email
from inspections import permissions, selectors
from inspections.models import (
    MIN_REVIEWERS,
    AttendeeKind,
    Award,
    FormStatus,
    Recommendation,
    ReviewForm,
    ReviewPoint,
    ReviewScore,
    SiteVisit,
    VisitAttendee,
    VisitStatus,
)

MAX_TEXT = 4000


class VisitError(Exception):
    """A refused step, with a message for the person who tried it."""


def _url(path: str) -> str:
    return settings.PORTAL_BASE_URL + path


def visit_url(visit) -> str:
    return reverse("visit_detail", kwargs={"vid": visit.pk})


def _alliance(visit):
    return visit.alliance_year.alliance


def _state(visit) -> dict:
    return {
        "starts_at": visit.starts_at.isoformat(),
        "place": visit.place,
        "agenda": visit.agenda,
        "status": visit.status,
        "reviewers": sorted(visit.forms.values_list("reviewer_id", flat=True)),
        "staff": sorted(visit.staff.values_list("pk", flat=True)),
    }


def _audit(visit, action, by, before=None, after=None, reason=""):
    audit.record(
        actor=by,
        action=action,
        target=visit,
        alliance=_alliance(visit),
        before=before,
        after=after,
        reason=reason,
    )


def _locked(visit) -> SiteVisit:
    return SiteVisit.objects.select_for_update().get(pk=visit.pk)


# --- invitations ------------------------------------------------------------------------


def invitees(visit) -> list[tuple[User, str]]:
    """Who is invited and as what: the reviewers, the staff, the alliance's PI and co-PIs."""
    people = [(form.reviewer, "reviewer") for form in visit.forms.select_related("reviewer")]
    people += [(user, "staff") for user in visit.staff.all()]
    people += [
        (user, "alliance") for user in team_recipients(_alliance(visit).pk, assistants=False)
    ]
    seen, result = set(), []
    for user, role in people:
        if user.pk not in seen and user.is_active:
            seen.add(user.pk)
            result.append((user, role))
    return result


def calendar_file(visit, *, method: str = "PUBLISH", attendee: User | None = None) -> bytes:
    """The visit as an iCalendar event in the current language: an invitation to one
    person (REQUEST or CANCEL, naming only them), or the page's download (PUBLISH).
    Reviewers are never named in it: the alliance's people get the same event."""
    alliance = _alliance(visit)
    lines = [f"{row['item']} ({row['minutes']}')" for row in visit.agenda]
    return ics.invitation(
        uid=f"site-visit-{visit.pk}@{settings.PORTAL_BASE_URL.split('//')[-1]}",
        sequence=visit.sequence,
        start=visit.starts_at,
        end=visit.ends_at,
        summary=_("Site visit: %(alliance)s") % {"alliance": alliance.name},
        location=visit.place,
        description="\n".join(lines),
        url=_url(visit_url(visit)),
        attendees=[(attendee.name, attendee.email)] if attendee is not None else [],
        method=method,
        cancelled=visit.status == VisitStatus.CANCELLED or method == "CANCEL",
    )


def _invite(visit, people, *, kind: str, by) -> None:
    """Email each person the visit with their own .ics (kind: invitation, update,
    cancellation). The dedupe key holds the visit's sequence, which every change raises."""
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    for user, role in people:
        with translation.override(user.preferred_language):
            content = calendar_file(visit, method=method, attendee=user).decode()
        send_templated_email(
            to=[user.email],
            template="visit_invitation",
            context={
                "visit": visit,
                "alliance": _alliance(visit),
                "kind": kind,
                "role": role,
                "when": roc.format_roc_datetime(visit.starts_at),
                "agenda": visit.agenda_times(),
                "url": _url(visit_url(visit)),
            },
            language=user.preferred_language,
            dedupe_key=f"visit:{visit.pk}:{kind}:{visit.sequence}:{user.pk}",
            created_by=by,
            attachments=[
                {
                    "content": content,
                    "filename": "site-visit.ics",
                    "mimetype": f"text/calendar; method={method}",
                }
            ],
        )


# --- scheduling -------------------------------------------------------------------------


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
def visit_schedule(*, alliance_year, starts_at, place, agenda, reviewers, staff, by) -> SiteVisit:
    """The office schedules a visit: one form per reviewer; everyone invited with an .ics."""
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
    _audit(visit, "visit.scheduled", by, after=_state(visit))
    _invite(visit, invitees(visit), kind="invitation", by=by)
    return visit


@transaction.atomic
def visit_change(*, visit, starts_at, place, agenda, reviewers, staff, by) -> SiteVisit:
    """Change time, place, agenda or people. A new time, place or agenda goes to everyone
    as an updated invitation; people added get the invitation, people removed a
    cancellation. A reviewer who has submitted their form stays."""
    require(permissions.can_manage(by))
    visit = _locked(visit)
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
    _check_people(
        visit.alliance_year,
        [u for u in reviewers if u.pk not in assigned],
        [u for u in staff if u.pk not in on_staff],
    )
    _check_time(visit.alliance_year, starts_at)
    before = _state(visit)
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
    after = _state(visit)
    _audit(visit, "visit.changed", by, before=before, after=after)
    if moved:
        _invite(visit, staying, kind="update", by=by)
    _invite(visit, added, kind="invitation", by=by)
    _invite(visit, gone, kind="cancellation", by=by)
    return visit


@transaction.atomic
def visit_cancel(*, visit, by, reason: str) -> SiteVisit:
    require(permissions.can_manage(by))
    visit = _locked(visit)
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
    _audit(
        visit,
        "visit.cancelled",
        by,
        before={"status": VisitStatus.SCHEDULED},
        after={"status": visit.status},
        reason=reason,
    )
    _invite(visit, people, kind="cancellation", by=by)
    return visit


# --- attendees --------------------------------------------------------------------------


def resolve_firm(text: str):
    """A firm named by its 統一編號 or its exact name; None when no firm matches."""
    from members.models import Firm
    from members.ubn import normalize_ubn

    text = (text or "").strip()
    if not text:
        return None
    ubn = normalize_ubn(text)
    if ubn.isdigit() and len(ubn) == 8:
        firm = Firm.objects.filter(ubn=ubn).first()
        if firm:
            return firm
    return Firm.objects.filter(name=text).order_by("pk").first()


def _attendees_open(visit, by) -> None:
    require(permissions.can_see_visit(by, visit) and permissions.keeps_attendees(by, visit))
    if not visit.is_open:
        raise VisitError(
            _("The list of attendees can no longer change: the visit is %(status)s.")
            % {"status": visit.get_status_display()}
        )


@transaction.atomic
def attendee_add(*, visit, by, kind, name, title="", firm_text="") -> VisitAttendee:
    visit = _locked(visit)
    _attendees_open(visit, by)
    if kind not in AttendeeKind.values:
        raise VisitError(_("Choose how the person attends."))
    name = (name or "").strip()[:100]
    if not name:
        raise VisitError(_("Give the attendee's name."))
    firm = resolve_firm(firm_text) if kind == "member" else None
    if kind == "member" and not (firm_text or "").strip():
        raise VisitError(_("Name the firm a member-firm representative comes from."))
    attendee = VisitAttendee.objects.create(
        visit=visit,
        kind=kind,
        name=name,
        title=(title or "").strip()[:100],
        firm=firm,
        firm_name="" if firm else (firm_text or "").strip()[:200],
    )
    _audit(
        visit,
        "visit.attendee_added",
        by,
        after={"name": attendee.name, "kind": kind, "firm": attendee.firm_label},
    )
    return attendee


@transaction.atomic
def attendee_remove(*, attendee, by) -> None:
    visit = _locked(attendee.visit)
    _attendees_open(visit, by)
    _audit(
        visit,
        "visit.attendee_removed",
        by,
        before={"name": attendee.name, "kind": attendee.kind, "firm": attendee.firm_label},
    )
    attendee.delete()


# --- forms ------------------------------------------------------------------------------


def _scale(form) -> tuple[int, int]:
    year = form.visit.alliance_year.programme_year
    return year.visit_score_min, year.visit_score_max


@transaction.atomic
def form_save(
    *, form, by, scores: dict, recommendation: str, comment: str, submit: bool
) -> ReviewForm:
    """The reviewer saves their form (a draft keeps what is there) or submits it: every
    point scored on the year's scale and a recommendation; then it is locked.

    `scores`: {point: (score or None, comment)} for the seven review points."""
    # Lock the form and its visit (a save never interleaves with cancelling or recording
    # the result), not the alliance-year and programme year read beside them.
    form = (
        ReviewForm.objects.select_for_update(of=("self", "visit"))
        .select_related("visit__alliance_year__programme_year")
        .get(pk=form.pk)
    )
    require(is_reviewer(by) and form.reviewer_id == by.pk)
    if form.status == FormStatus.SUBMITTED:
        raise VisitError(
            _(
                "This form has been submitted and is locked; the programme office "
                "can return it to you if something must change."
            )
        )
    if not form.visit.is_open:
        raise VisitError(
            _("The visit is %(status)s; its forms can no longer change.")
            % {"status": form.visit.get_status_display()}
        )
    low, high = _scale(form)
    for point in scores:
        if point not in ReviewPoint.values:
            raise VisitError(_("There is no review point %(point)s.") % {"point": point})
    for point, (score, _text) in scores.items():
        if score is not None and not low <= score <= high:
            raise VisitError(
                _("%(point)s: scores run from %(low)s to %(high)s; %(score)s is outside.")
                % {"point": ReviewPoint(point).label, "low": low, "high": high, "score": score}
            )
    if recommendation and recommendation not in Recommendation.values:
        raise VisitError(_("Choose one of the recommendations."))
    if submit:
        missing = [
            ReviewPoint(p).label for p in ReviewPoint.values if scores.get(p, (None, ""))[0] is None
        ]
        if missing:
            raise VisitError(
                _("Score every review point before submitting; missing: %(points)s.")
                % {"points": pgettext("list separator", ", ").join(str(m) for m in missing)}
            )
        if not recommendation:
            raise VisitError(_("Choose an overall recommendation before submitting."))
    before = _form_state(form)
    for point, (score, text) in scores.items():
        ReviewScore.objects.update_or_create(
            form=form,
            point=point,
            defaults={"score": score, "comment": (text or "").strip()[:MAX_TEXT]},
        )
    form.recommendation = recommendation or ""
    form.comment = (comment or "").strip()[:MAX_TEXT]
    if submit:
        form.status = FormStatus.SUBMITTED
        form.submitted_at = timezone.now()
    form.save()
    _audit(
        form.visit,
        "visit.form_submitted" if submit else "visit.form_saved",
        by,
        before=before,
        after=_form_state(form),
    )
    return form


def _form_state(form) -> dict:
    """A form as the audit trail keeps it: what a resubmission replaced stays readable."""
    return {
        "form": form.pk,
        "status": form.status,
        "scores": {row.point: row.score for row in form.scores.all()},
        "recommendation": form.recommendation,
    }


@transaction.atomic
def form_return(*, form, by, reason: str) -> ReviewForm:
    """The office returns a submitted form to its reviewer, who may change and resubmit."""
    require(permissions.can_manage(by))
    form = ReviewForm.objects.select_for_update().select_related("visit").get(pk=form.pk)
    if form.status != FormStatus.SUBMITTED:
        raise VisitError(_("Only a submitted form can be returned."))
    if form.visit.status == VisitStatus.CANCELLED:
        raise VisitError(_("The visit is cancelled; its forms are closed."))
    if not form.visit.is_open:
        raise VisitError(_("The visit's result is recorded; reopen it before returning a form."))
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise VisitError(_("Say what the reviewer should look at again."))
    form.status = FormStatus.RETURNED
    form.returned_at = timezone.now()
    form.return_reason = reason
    form.save()
    _audit(form.visit, "visit.form_returned", by, after={"form": form.pk}, reason=reason)
    send_templated_email(
        to=[form.reviewer.email],
        template="visit_form_returned",
        context={
            "visit": form.visit,
            "alliance": _alliance(form.visit),
            "reason": reason,
            "url": _url(reverse("visit_form", kwargs={"vid": form.visit_id})),
        },
        language=form.reviewer.preferred_language,
        dedupe_key=f"visitform:{form.pk}:returned:{form.returned_at.isoformat()}",
        created_by=by,
    )
    return form


# --- result -----------------------------------------------------------------------------


@transaction.atomic
def visit_consolidate(*, visit, by, outcome: str, note: str) -> SiteVisit:
    """Record the result: needs at least three submitted forms and none still open."""
    require(permissions.can_manage(by))
    visit = _locked(visit)
    if not visit.is_open:
        raise VisitError(
            _("Only a scheduled visit gets a result; this one is %(status)s.")
            % {"status": visit.get_status_display()}
        )
    forms = list(visit.forms.select_related("reviewer"))
    submitted = [f for f in forms if f.status == FormStatus.SUBMITTED]
    if len(submitted) < MIN_REVIEWERS:
        raise VisitError(
            _(
                "%(n)s of the forms are submitted; the result needs at least three reviewers' "
                "submitted forms."
            )
            % {"n": len(submitted)}
        )
    waiting = [f for f in forms if f.status != FormStatus.SUBMITTED]
    if waiting:
        raise VisitError(
            _("%(name)s's form is not submitted yet; wait for it or remove them from the visit.")
            % {"name": waiting[0].reviewer}
        )
    if outcome not in Recommendation.values:
        raise VisitError(_("Choose the visit's outcome."))
    result = selectors.consolidate(visit)
    visit.status = VisitStatus.CONSOLIDATED
    visit.outcome = outcome
    visit.outcome_note = (note or "").strip()[:MAX_TEXT]
    visit.score = result.score
    visit.consolidated_at = timezone.now()
    visit.consolidated_by = by
    visit.save()
    _audit(
        visit,
        "visit.consolidated",
        by,
        before={"status": VisitStatus.SCHEDULED},
        after={"status": visit.status, "outcome": outcome, "score": str(visit.score)},
    )
    return visit


@transaction.atomic
def visit_reopen(*, visit, by, reason: str) -> SiteVisit:
    """Back to scheduled (forms can be returned again) — not once shared or awarded."""
    require(permissions.can_manage(by))
    visit = _locked(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Only a visit with a recorded result can be reopened."))
    if visit.is_shared:
        raise VisitError(_("The summary has been shared with the alliance; the result stays."))
    if Award.objects.filter(visit=visit).exists():
        raise VisitError(
            _(
                "This visit's alliance is selected as outstanding; choose another "
                "alliance for the field first."
            )
        )
    reason = (reason or "").strip()[:MAX_TEXT]
    if not reason:
        raise VisitError(_("Say why the result is reopened."))
    visit.status = VisitStatus.SCHEDULED
    visit.score = None
    visit.consolidated_at = None
    visit.consolidated_by = None
    visit.save()
    _audit(
        visit,
        "visit.reopened",
        by,
        before={"status": VisitStatus.CONSOLIDATED},
        after={"status": visit.status},
        reason=reason,
    )
    return visit


@transaction.atomic
def visit_share(*, visit, by, show_names: bool) -> SiteVisit:
    """Share the summary with the alliance: the PDF is frozen and emailed to its PI and
    co-PIs; the team reads it on the visit's page. Reviewers named only if chosen."""
    from inspections import pdf

    require(permissions.can_manage(by))
    visit = _locked(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Record the visit's result before sharing it."))
    if visit.is_shared:
        raise VisitError(
            _("The summary was shared on %(date)s already.")
            % {"date": roc.format_roc_date(visit.shared_at)}
        )
    visit.show_reviewer_names = bool(show_names)
    visit.shared_at = timezone.now()
    data = pdf.render_summary(visit)  # before any write: a failing render changes nothing
    visit.summary_pdf.save("summary.pdf", ContentFile(data), save=False)
    try:
        visit.save()
        _audit(visit, "visit.shared", by, after={"named": visit.show_reviewer_names})
        _send_summary(visit, by)
    except Exception:
        visit.summary_pdf.delete(save=False)  # the row rolls back; the file goes too
        raise
    return visit


def _send_summary(visit, by) -> None:
    attachment = {
        "path": visit.summary_pdf.name,
        "filename": f"site-visit-{visit.alliance_year.programme_year.roc_year}.pdf",
        "mimetype": "application/pdf",
    }
    for user in team_recipients(_alliance(visit).pk, assistants=False):
        send_templated_email(
            to=[user.email],
            template="visit_summary_shared",
            context={
                "visit": visit,
                "alliance": _alliance(visit),
                "url": _url(reverse("visit_summary", kwargs={"vid": visit.pk})),
            },
            language=user.preferred_language,
            dedupe_key=f"visit:{visit.pk}:shared:{user.pk}",
            created_by=by,
            attachments=[attachment],
        )


# --- awards -----------------------------------------------------------------------------


@transaction.atomic
def award_select(*, visit, by, note: str = "") -> Award:
    """The office chooses the outstanding alliance of the visit's field and year; choosing
    another replaces it (and it must be published again)."""
    require(permissions.can_manage(by))
    visit = _locked(visit)
    if visit.status != VisitStatus.CONSOLIDATED:
        raise VisitError(_("Only an alliance whose visit has a recorded result can be chosen."))
    if visit.outcome == Recommendation.STOP:
        raise VisitError(
            _("The visit's outcome recommends ending the subsidy; the alliance cannot be chosen.")
        )
    ay = visit.alliance_year
    field = ay.alliance.field
    # One choice per field and year: two offices choosing at once take turns on the year.
    ProgrammeYear.objects.select_for_update().filter(pk=ay.programme_year_id).first()
    current = Award.objects.filter(programme_year=ay.programme_year, field=field).first()
    before = {"visit": current.visit_id, "note": current.note} if current else {}
    note = (note or "").strip()[:MAX_TEXT]
    if current is not None and current.visit_id == visit.pk:
        if note and note != current.note:
            current.note = note
            current.save(update_fields=["note"])
            _audit(visit, "award.noted", by, before=before, after={"note": note})
        return current
    if current is not None:
        current.delete()
    award = Award.objects.create(
        programme_year=ay.programme_year,
        field=field,
        visit=visit,
        note=note,
        selected_by=by,
    )
    _audit(
        visit, "award.selected", by, before=before, after={"visit": visit.pk, "field": field.code}
    )
    return award


@transaction.atomic
def awards_publish(*, programme_year, by) -> int:
    """Publish the year's chosen outstanding alliances on the public directory."""
    require(permissions.can_manage(by))
    awards = list(
        Award.objects.select_for_update().filter(
            programme_year=programme_year, published_at__isnull=True
        )
    )
    if not awards:
        raise VisitError(
            _("There is no unpublished choice for %(year)s.") % {"year": programme_year.roc_year}
        )
    now = timezone.now()
    for award in awards:
        award.published_at = now
        award.save(update_fields=["published_at"])
        _audit(award.visit, "award.published", by, after={"field": award.field.code})
    return len(awards)
