"""Deadline reminders (domain.md §4), run hourly by `manage.py send_reminders`.

- To the PI, co-PIs and the approved assistants who may prepare filings ("prepare
  filings"), for every open filing (draft or returned) of any programme year: 14, 3 and 1
  days before its deadline, calendar.deadline(): the due date, the alliance's extension,
  or for a returned filing its one correction deadline (calendar.correction_deadline).
- To the programme office, the day after such a deadline passed (for MISSED_WITHIN_DAYS
  after each filing's own deadline): the alliances that missed it.
- For the calendar's other duties, to the whole team: the banner and public profile
  (N.04.30, not sent to an alliance that has both) and the mid-term report on the MOST
  site (N.10.31).

The filings are found by their deadline, whatever their programme year (an extension may
run years past its year): open filings one of whose possible deadline days (the calendar's
due date, the correction deadline, an extension) falls in the window the reminders look at,
and alliance-years without a filing row whose due date does; calendar.deadline() then
decides. A fixed number of queries however many years and filings there are.

Idempotent: each reminder has a dedupe key (OutboundEmail.dedupe_key is unique), so it is
queued once however often the command runs, and from two machines at once. A run that was
missed catches up with the nearest reminder only (3 days before, not 14 and 3).
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ProgrammeRole, User
from alliances.models import AllianceRole, AllianceYear, Capability, RoleStatus
from core import roc
from core.mail import send_templated_email
from core.models import OutboundEmail
from kpi.filings import calendar
from kpi.filings.models import OPEN_STATES, Filing, FilingExtension, FilingKind

DAYS_BEFORE = (14, 3, 1)
MISSED_WITHIN_DAYS = 7  # the office hears of a missed deadline for a week, not forever
DUTIES = {
    "banner": (_("alliance banner and public profile"), "banner_due"),
    "midterm": (_("mid-term report on the MOST site"), "midterm_report_due"),
}


def _threshold(days_left: int) -> int | None:
    """The reminder due now: the smallest of 14, 3, 1 not yet below the days left."""
    reached = [d for d in DAYS_BEFORE if days_left <= d]
    return min(reached) if reached and days_left >= 0 else None


def _url(name: str, **kwargs) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, kwargs=kwargs)


def _of_year(what: str, year: int) -> str:
    return gettext("%(what)s (programme year %(year)s)") % {"what": what, "year": year}


# Rendered in each recipient's language (send_templated_email activates it).
_of_year_lazy = lazy(_of_year, str)


def run(today=None) -> int:
    """Queue every reminder due today (Taiwan's date); returns how many were new."""
    today = today or roc.today()
    outbox = _Outbox()
    filings = _open_filings(today)
    duties = _duty_years(today)
    teams = _teams(
        {f.alliance_year.alliance_id for f, _deadline in filings}
        | {ay.alliance_id for ay, _duty in duties}
    )
    _filing_reminders(filings, teams, today, outbox)
    _duty_reminders(duties, teams, today, outbox)
    return outbox.send()


def _due_in(start: dt.date, end: dt.date, *, of_filing: bool) -> Q:
    """The calendar's due date (calendar.WINDOWS) lies between start and end: of the
    filing's own kind (of_filing, on Filing), else of any kind (on AllianceYear)."""
    q = Q()
    for kind, (_opens, due) in calendar.WINDOWS.items():
        if of_filing:
            q |= Q(kind=kind, **{f"alliance_year__programme_year__{due}__range": (start, end)})
        else:
            q |= Q(**{f"programme_year__{due}__range": (start, end)})
    return q


def _open_filings(today: dt.date) -> list[tuple[Filing, calendar.Deadline]]:
    """The open filings, of any programme year, whose deadline falls from MISSED_WITHIN_DAYS
    ago to DAYS_BEFORE ahead, each with that deadline: candidates by any day that may be
    their deadline, then calendar.deadline() decides. Alliance-years without a filing row
    count with a draft due on the calendar's day. Five queries."""
    start = today - dt.timedelta(days=MISSED_WITHIN_DAYS)
    end = today + dt.timedelta(days=max(DAYS_BEFORE))
    extended = FilingExtension.objects.filter(filing=OuterRef("pk"), until__range=(start, end))
    rows = list(
        Filing.objects.filter(state__in=OPEN_STATES)
        .filter(
            _due_in(start, end, of_filing=True)
            | Q(correction_due__range=(start, end))
            | Exists(extended)
        )
        .select_related("alliance_year__alliance", "alliance_year__programme_year")
    )
    latest = calendar.latest_extensions(rows)
    found = [
        (f, calendar.deadline(f, f.alliance_year.programme_year, latest.get(f.pk))) for f in rows
    ]
    # Not started: no row yet, so a draft due on the calendar's day.
    alliance_years = list(
        AllianceYear.objects.filter(_due_in(start, end, of_filing=False)).select_related(
            "alliance", "programme_year"
        )
    )
    started = set(
        Filing.objects.filter(alliance_year__in=[ay.pk for ay in alliance_years]).values_list(
            "alliance_year_id", "kind"
        )
    )
    for ay in alliance_years:
        for kind in FilingKind.values:
            if (ay.pk, kind) in started:
                continue
            filing = Filing(alliance_year=ay, kind=kind)
            found.append((filing, calendar.deadline(filing, ay.programme_year, None)))
    return [(f, deadline) for f, deadline in found if start <= deadline.due <= end]


def _duty_years(today: dt.date) -> list[tuple[AllianceYear, str]]:
    """(alliance-year, duty) for each duty due within DAYS_BEFORE, whatever the year."""
    end = today + dt.timedelta(days=max(DAYS_BEFORE))
    due = Q()
    for _what, attribute in DUTIES.values():
        due |= Q(**{f"programme_year__{attribute}__range": (today, end)})
    return [
        (ay, duty)
        for ay in AllianceYear.objects.filter(due).select_related("alliance", "programme_year")
        for duty, (_what, attribute) in DUTIES.items()
        if today <= getattr(ay.programme_year, attribute) <= end
    ]


def _teams(alliance_ids) -> dict[int, list[AllianceRole]]:
    """The active roles of active people, by alliance (one query)."""
    roles = defaultdict(list)
    for role in (
        AllianceRole.objects.filter(
            alliance_id__in=alliance_ids, status=RoleStatus.ACTIVE, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "pk")
    ):
        roles[role.alliance_id].append(role)
    return roles


def _filing_reminders(filings, teams, today, outbox) -> None:
    missed = defaultdict(list)
    for filing, deadline in filings:
        ay = filing.alliance_year
        year = ay.programme_year.roc_year
        days_left = deadline.days_left(today)
        url = _url("filing_detail", pk=ay.alliance_id, year=year, filing=filing.kind)
        if days_left < 0:
            if -days_left <= MISSED_WITHIN_DAYS:
                missed[(year, filing.kind, deadline.due)].append(
                    {"alliance": ay.alliance, "state": filing.get_state_display(), "url": url}
                )
            continue
        threshold = _threshold(days_left)
        if threshold is None:
            continue
        key = f"reminder:{filing.kind}:{ay.pk}:{deadline.due.isoformat()}:{threshold}"
        context = {
            "alliance": ay.alliance,
            "what": _of_year_lazy(FilingKind(filing.kind).label, year),
            "due": deadline.due,
            "days": days_left,
            "filing": filing,
            "filing_state": filing.get_state_display(),
            "url": url,
        }
        for role in teams.get(ay.alliance_id, []):
            # The PI and co-PIs always; an assistant only with "prepare filings".
            if role.has_capability(Capability.FILINGS):
                outbox.add(role.user, key, "filing_reminder", context)
    if missed:
        office = list(User.objects.filter(programme_role=ProgrammeRole.OFFICE, is_active=True))
        for (year, kind, due), rows in missed.items():
            key = f"missed:{year}:{kind}:{due.isoformat()}"
            rows.sort(key=lambda row: row["alliance"].code or "")
            what = FilingKind(kind).label
            for person in office:
                context = {"what": what, "due": due, "year": year, "rows": rows}
                outbox.add(person, key, "deadline_missed", context)


def _duty_reminders(duties, teams, today, outbox) -> None:
    for ay, duty in duties:
        what, attribute = DUTIES[duty]
        due = getattr(ay.programme_year, attribute)
        threshold = _threshold((due - today).days)
        alliance = ay.alliance
        if threshold is None:
            continue
        if duty == "banner" and alliance.banner and alliance.profile_published_at:
            continue  # done
        key = f"duty:{duty}:{ay.pk}:{due.isoformat()}:{threshold}"
        url = (
            _url("profile_edit", pk=alliance.pk)
            if duty == "banner"
            else _url("filing_list", pk=alliance.pk, year=ay.programme_year.roc_year)
        )
        context = {
            "alliance": alliance,
            "what": what,
            "due": due,
            "days": (due - today).days,
            "filing": None,
            "outside": duty == "midterm",
            "url": url,
        }
        for role in teams.get(alliance.pk, []):
            outbox.add(role.user, key, "filing_reminder", context)


class _Outbox:
    """The reminders of one run: which were queued before is read in one query, then the
    new ones are queued (the unique dedupe key still guards against a concurrent run)."""

    def __init__(self):
        self.pending: dict[str, tuple] = {}

    def add(self, person, key: str, template: str, context: dict) -> None:
        self.pending.setdefault(f"{key}:{person.pk}", (person, template, context))

    def send(self) -> int:
        if not self.pending:
            return 0
        queued_before = set(
            OutboundEmail.objects.filter(dedupe_key__in=list(self.pending)).values_list(
                "dedupe_key", flat=True
            )
        )
        new = 0
        for full_key, (person, template, context) in self.pending.items():
            if full_key in queued_before:
                continue
            send_templated_email(
                to=[person.email],
                template=template,
                context=context,
                language=person.preferred_language,
                dedupe_key=full_key,
            )
            new += 1
        return new
