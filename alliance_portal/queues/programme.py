"""The work queues of the programme's people (issue 26): the office (filings waiting,
under review by me, resubmitted, corrections overdue, PI invitations not accepted,
alliances without a PI, failed background tasks and emails), the department viewer (the
latest official figures and what is pending) and a reviewer (forms awaiting them). A fixed
number of queries whatever the number of alliances, filings, tasks or visits.

There is no request for an extension in the portal (the office grants one on a filing's
page), so no "extensions requested" entry; an overdue correction is where one is decided.
"""

from collections import defaultdict

from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance_portal.queues import Group, Item, Queue, in_days
from alliance_portal.queues.team import filing_title
from alliances.models import Alliance, AllianceRole, RoleStatus, TeamRole
from core import roc
from core.models import OutboundEmail
from core.tasks import failed_tasks
from inspections.models import FormStatus, ReviewForm, VisitStatus
from kpi.filings import calendar
from kpi.filings import status as filing_status
from kpi.filings.models import Filing, FilingKind, FilingState, FilingTransition

MAX_LISTED = 10
OVERDUE = filing_status.OVERDUE  # the one vocabulary's "overdue" (the overview's filter)

PERIOD_GROUPS = {  # state → its group's title, in the order shown
    FilingState.SUBMITTED: lambda: _("Submitted, waiting for review"),
    FilingState.UNDER_REVIEW: lambda: _("Under review"),
    FilingState.RESUBMITTED: lambda: _("Resubmitted, waiting for review"),
    FilingState.RETURNED: lambda: _("Returned for correction"),
}


def overview_url(roc_year: int, kind: str, state: str) -> str:
    url = reverse("review_overview", args=[roc_year, kind])
    return f"{url}?{urlencode({'state': state})}"


def _period_item(roc_year, kind, state, n) -> Item:
    return Item(
        ngettext("%(count)d filing: %(filing)s", "%(count)d filings: %(filing)s", n)
        % {"count": n, "filing": filing_title(kind, roc_year)},
        overview_url(roc_year, kind, state),
        count=n,
    )


def period_groups(states) -> list[Group]:
    """One group per state, one entry per year and filing, linked to the review overview
    filtered to that state (one query)."""
    rows = (
        Filing.objects.filter(state__in=states)
        .values("alliance_year__programme_year__roc_year", "kind", "state")
        .annotate(n=Count("pk"))
        .order_by("-alliance_year__programme_year__roc_year", "kind", "state")
    )
    by_state = defaultdict(list)
    for row in rows:
        year, kind = row["alliance_year__programme_year__roc_year"], row["kind"]
        by_state[row["state"]].append(_period_item(year, kind, row["state"], row["n"]))
    groups = []
    for state in states:  # the rows come newest year first, then expected, first, second
        items = by_state.get(state, [])
        if items:
            groups.append(Group(state, PERIOD_GROUPS[state](), items, sum(i.count for i in items)))
    return groups


def _mine_under_review(user) -> Group | None:
    """The filings whose review the user started (the latest move to "under review")."""
    started_by = FilingTransition.objects.filter(
        filing=OuterRef("pk"), to_state=FilingState.UNDER_REVIEW
    ).order_by("-at", "-pk")
    filings = list(
        Filing.objects.filter(state=FilingState.UNDER_REVIEW)
        .annotate(reviewer=Subquery(started_by.values("by")[:1]))
        .filter(reviewer=user.pk)
        .select_related("alliance_year__alliance", "alliance_year__programme_year")
        .order_by(
            "alliance_year__programme_year__roc_year", "kind", "alliance_year__alliance__code"
        )
    )
    if not filings:
        return None
    items = []
    for f in filings[:MAX_LISTED]:
        ay = f.alliance_year
        roc_year = ay.programme_year.roc_year
        items.append(
            Item(
                f"{ay.alliance.name} · {filing_title(f.kind, roc_year)}",
                reverse("filing_review", args=[ay.alliance_id, roc_year, f.kind]),
            )
        )
    if len(filings) > MAX_LISTED:
        last = filings[-1]
        items.append(
            Item(
                _("%(count)d more") % {"count": len(filings) - MAX_LISTED},
                overview_url(
                    last.alliance_year.programme_year.roc_year, last.kind, FilingState.UNDER_REVIEW
                ),
            )
        )
    return Group("mine", _("Under review by you"), items, len(filings))


def _overdue_corrections(today) -> Group | None:
    """Returned filings whose correction deadline (with any extension) has passed, per
    year and filing, linked to the overview's "overdue" filter."""
    returned = list(
        Filing.objects.filter(state=FilingState.RETURNED).select_related(
            "alliance_year__programme_year"
        )
    )
    extensions = calendar.latest_extensions(returned)  # the one derivation of the deadline
    counts = defaultdict(int)
    for filing in returned:
        py = filing.alliance_year.programme_year
        if calendar.deadline(filing, py, extensions.get(filing.pk)).due < today:
            counts[(py.roc_year, filing.kind)] += 1
    if not counts:
        return None
    order = list(FilingKind.values)
    items = [
        _period_item(year, kind, OVERDUE, n)
        for (year, kind), n in sorted(
            counts.items(), key=lambda k: (-k[0][0], order.index(k[0][1]))
        )
    ]
    return Group("overdue", _("Corrections overdue"), items, sum(counts.values()))


def office_queue(user) -> Queue:
    today = roc.today()
    groups = period_groups([FilingState.SUBMITTED])
    mine = _mine_under_review(user)
    if mine:
        groups.append(mine)
    groups += period_groups([FilingState.RESUBMITTED])
    overdue = _overdue_corrections(today)
    if overdue:
        groups.append(overdue)
    pis = AllianceRole.objects.filter(role=TeamRole.PI, status=RoleStatus.ACTIVE)
    invited = pis.filter(user__password__startswith="!").count()  # no password set yet
    if invited:
        groups.append(
            Group(
                "invitations",
                _("PI invitations not accepted"),
                [
                    Item(
                        ngettext(
                            "%(count)d PI has not set a password yet",
                            "%(count)d PIs have not set a password yet",
                            invited,
                        )
                        % {"count": invited},
                        reverse("office_alliances") + "?invitation=open",
                        count=invited,
                    )
                ],
                invited,
            )
        )
    without_pi = Alliance.objects.exclude(pk__in=pis.values("alliance")).count()
    if without_pi:
        groups.append(
            Group(
                "without_pi",
                _("Alliances without a PI"),
                [
                    Item(
                        ngettext(
                            "%(count)d alliance has no PI",
                            "%(count)d alliances have no PI",
                            without_pi,
                        )
                        % {"count": without_pi},
                        reverse("office_alliances"),
                        count=without_pi,
                    )
                ],
                without_pi,
            )
        )
    failed = []
    tasks = failed_tasks().count()
    if tasks:
        failed.append(
            Item(
                ngettext(
                    "%(count)d background task failed",
                    "%(count)d background tasks failed",
                    tasks,
                )
                % {"count": tasks},
                reverse("office_failed_work") + "#tasks-heading",
                count=tasks,
            )
        )
    emails = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).count()
    if emails:
        failed.append(
            Item(
                ngettext("%(count)d email failed", "%(count)d emails failed", emails)
                % {"count": emails},
                reverse("office_failed_work") + "#emails-heading",
                count=emails,
            )
        )
    if failed:
        groups.append(
            Group("failed", _("Failed emails and background tasks"), failed, tasks + emails)
        )
    return Queue(
        "office",
        _("Programme office: waiting for you"),
        groups,
        _("Nothing is waiting for the office."),
    )


def viewer_queue() -> Queue:
    """The latest official figures (the year of the newest accepted second filings) and the
    filings pending with the office or the alliances."""
    groups = []
    latest = (
        Filing.objects.filter(kind=FilingKind.SECOND, state=FilingState.ACCEPTED)
        .values("alliance_year__programme_year__roc_year")
        .annotate(n=Count("pk"))
        .order_by("-alliance_year__programme_year__roc_year")
        .first()
    )
    if latest:
        year, n = latest["alliance_year__programme_year__roc_year"], latest["n"]
        groups.append(
            Group(
                "official",
                _("The latest official figures"),
                [
                    Item(
                        _("Members and revenue by field, %(year)s") % {"year": year},
                        reverse("report_fields", args=[year]),
                        ngettext(
                            "from %(count)d accepted second filing",
                            "from %(count)d accepted second filings",
                            n,
                        )
                        % {"count": n},
                    )
                ],
                n,
            )
        )
    groups += period_groups(list(PERIOD_GROUPS))
    return Queue(
        "viewer",
        _("Department viewer: the programme now"),
        groups,
        _("No official figures yet and nothing pending."),
    )


def reviewer_queue(user) -> Queue:
    """The review forms still to fill (or returned by the office) of open visits."""
    forms = list(
        ReviewForm.objects.filter(
            reviewer=user,
            status__in=[FormStatus.DRAFT, FormStatus.RETURNED],
            visit__status=VisitStatus.SCHEDULED,
        )
        .select_related("visit__alliance_year__alliance")
        .order_by("visit__starts_at", "pk")
    )
    today = roc.today()
    items = []
    for form in forms:
        visit = form.visit
        day = visit.starts_at.astimezone(roc.PROGRAMME_TZ).date()
        detail = _("site visit %(when)s") % {"when": roc.format_roc_datetime(visit.starts_at)}
        if day >= today:
            detail = f"{detail} · {in_days(day, today)}"
        if form.status == FormStatus.RETURNED:
            detail = _("%(detail)s · returned by the office") % {"detail": detail}
        items.append(
            Item(
                _("Review form: %(alliance)s") % {"alliance": visit.alliance_year.alliance.name},
                reverse("visit_form", args=[visit.pk]),
                detail,
                form.status == FormStatus.RETURNED,
            )
        )
    groups = [Group("forms", _("Review forms awaiting you"), items)] if items else []
    return Queue(
        "reviewer", _("Site-visit reviewer: waiting for you"), groups, _("No form awaits you.")
    )
