"""Deadline reminders (domain.md §4), run hourly by `manage.py send_reminders`.

- To the PI, co-PIs and approved assistants of every alliance whose filing is not
  submitted: 14, 3 and 1 days before its deadline (the due date or the alliance's
  extension; for a returned filing its one correction deadline, calendar.correction_deadline).
- To the programme office, the day after a deadline passed: the alliances that missed it.
- For the calendar's other duties: the banner and public profile (N.04.30, not sent to an
  alliance that has both) and the mid-term report on the MOST site (N.10.31).

Idempotent: each reminder has a dedupe key (OutboundEmail.dedupe_key is unique), so it is
queued once however often the command runs, and from two machines at once. A run that was
missed catches up with the nearest reminder only (3 days before, not 14 and 3).
"""

from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import ProgrammeRole, User
from alliances.models import AllianceRole, AllianceYear, ProgrammeYear, RoleStatus
from core import roc
from core.mail import send_templated_email
from kpi.filings import calendar
from kpi.filings.models import Filing, FilingKind

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


def _teams(alliance_ids) -> dict[int, list[User]]:
    people = defaultdict(list)
    for role in (
        AllianceRole.objects.filter(
            alliance_id__in=alliance_ids, status=RoleStatus.ACTIVE, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "pk")
    ):
        people[role.alliance_id].append(role.user)
    return people


def _url(name: str, **kwargs) -> str:
    return settings.PORTAL_BASE_URL + reverse(name, kwargs=kwargs)


def run(today=None) -> int:
    """Queue every reminder due today (Taiwan's date); returns how many were new."""
    today = today or roc.today()
    queued = 0
    for year in ProgrammeYear.objects.filter(
        roc_year__gte=roc.roc_year(today) - 2, roc_year__lte=roc.roc_year(today) + 1
    ):
        alliance_years = list(
            AllianceYear.objects.filter(programme_year=year).select_related("alliance")
        )
        if not alliance_years:
            continue
        teams = _teams([ay.alliance_id for ay in alliance_years])
        for kind in FilingKind.values:
            queued += _filing_reminders(year, kind, alliance_years, teams, today)
        for duty in DUTIES:
            queued += _duty_reminders(year, duty, alliance_years, teams, today)
    return queued


def _filing_reminders(year, kind, alliance_years, teams, today) -> int:
    filings = {
        f.alliance_year_id: f
        for f in Filing.objects.filter(alliance_year__programme_year=year, kind=kind)
    }
    # The extension that counts for each (for a returned filing: granted since its return).
    latest = calendar.latest_extensions(list(filings.values()))
    what = FilingKind(kind).label
    missed = defaultdict(list)
    queued = 0
    for ay in alliance_years:
        filing = filings.get(ay.pk) or Filing(alliance_year=ay, kind=kind)
        if not filing.is_open:
            continue
        deadline = calendar.deadline(filing, year, latest.get(filing.pk) if filing.pk else None)
        days_left = deadline.days_left(today)
        url = _url("filing_detail", pk=ay.alliance_id, year=year.roc_year, filing=kind)
        if days_left < 0:
            if -days_left <= MISSED_WITHIN_DAYS:
                missed[deadline.due].append(
                    {"alliance": ay.alliance, "state": filing.get_state_display(), "url": url}
                )
            continue
        threshold = _threshold(days_left)
        if threshold is None:
            continue
        key = f"reminder:{kind}:{ay.pk}:{deadline.due.isoformat()}:{threshold}"
        for person in teams.get(ay.alliance_id, []):
            queued += _new(
                person,
                key,
                "filing_reminder",
                {
                    "alliance": ay.alliance,
                    "what": what,
                    "due": deadline.due,
                    "days": days_left,
                    "filing": filing,
                    "filing_state": filing.get_state_display(),
                    "url": url,
                },
            )
    if missed:
        office = list(User.objects.filter(programme_role=ProgrammeRole.OFFICE, is_active=True))
        for due, rows in missed.items():
            key = f"missed:{year.roc_year}:{kind}:{due.isoformat()}"
            rows.sort(key=lambda row: row["alliance"].code or "")
            for person in office:
                queued += _new(
                    person,
                    key,
                    "deadline_missed",
                    {"what": what, "due": due, "year": year.roc_year, "rows": rows},
                )
    return queued


def _duty_reminders(year, duty, alliance_years, teams, today) -> int:
    what, attribute = DUTIES[duty]
    due = getattr(year, attribute)
    threshold = _threshold((due - today).days)
    if threshold is None:
        return 0
    queued = 0
    for ay in alliance_years:
        alliance = ay.alliance
        if duty == "banner" and alliance.banner and alliance.profile_published_at:
            continue  # done
        key = f"duty:{duty}:{ay.pk}:{due.isoformat()}:{threshold}"
        url = (
            _url("profile_edit", pk=alliance.pk)
            if duty == "banner"
            else _url("filing_list", pk=alliance.pk, year=year.roc_year)
        )
        for person in teams.get(alliance.pk, []):
            queued += _new(
                person,
                key,
                "filing_reminder",
                {
                    "alliance": alliance,
                    "what": what,
                    "due": due,
                    "days": (due - today).days,
                    "filing": None,
                    "outside": duty == "midterm",
                    "url": url,
                },
            )
    return queued


def _new(person, key: str, template: str, context: dict) -> int:
    """Queue one reminder unless it was queued before; 1 if it is new."""
    from core.models import OutboundEmail

    full_key = f"{key}:{person.pk}"
    if OutboundEmail.objects.filter(dedupe_key=full_key).exists():
        return 0
    send_templated_email(
        to=[person.email],
        template=template,
        context=context,
        language=person.preferred_language,
        dedupe_key=full_key,
    )
    return 1
