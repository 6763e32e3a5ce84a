"""The filing calendar of an alliance-year (domain.md §4): when each filing's window opens,
when it is due, what period its figures cover, and the deadline that applies to one
alliance after corrections and extensions. Deadlines are ProgrammeYear settings; a
deadline is the end of its day, 23:59:59 Asia/Taipei."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roc
from kpi.filings.models import (
    Filing,
    FilingExtension,
    FilingKind,
    FilingState,
    FilingTransition,
)

WINDOWS = {
    FilingKind.EXPECTED: ("expected_outcomes_opens", "expected_outcomes_due"),
    FilingKind.FIRST: ("first_kpi_opens", "first_kpi_due"),
    FilingKind.SECOND: ("second_kpi_opens", "second_kpi_due"),
}


def window(kind: str, programme_year) -> tuple[dt.date, dt.date]:
    opens, due = WINDOWS[kind]
    return getattr(programme_year, opens), getattr(programme_year, due)


def period_end(kind: str, programme_year) -> dt.date | None:
    """The last day a KPI filing's figures cover: the first filing is cumulative to its due
    date (N.10.31), the second is the whole year; expected outcomes cover no records."""
    if kind == FilingKind.FIRST:
        return programme_year.first_kpi_due
    if kind == FilingKind.SECOND:
        return programme_year.ends_on
    return None


def correction_default(kind: str, programme_year) -> dt.date:
    """The calendar's end of the correction window (§4): N.06.30 for expected outcomes, the
    end of N.12 for the first filing, the end of (N+1).02 for the second."""
    year = roc.ad_year(programme_year.roc_year)
    if kind == FilingKind.EXPECTED:
        return dt.date(year, 6, 30)
    if kind == FilingKind.FIRST:
        return dt.date(year, 12, 31)
    return dt.date(year + 1, 3, 1) - dt.timedelta(days=1)


# The programme's usual correction period (domain.md §4): the audit record goes out at the
# end of one month and the corrections are due by the end of the next, about 30 days.
CORRECTION_DAYS = 30


@dataclass(frozen=True)
class Proposal:
    """The correction deadline a form proposes, and why (for its help text)."""

    due: dt.date
    why: str


def correction_proposal(kind: str, programme_year, today: dt.date | None = None) -> Proposal:
    """The correction deadline to propose now: the calendar's end of the correction window,
    unless that leaves less than the usual correction period, then today + CORRECTION_DAYS.
    Never in the past."""
    today = today or roc.today()
    window_end = correction_default(kind, programme_year)
    usual = today + dt.timedelta(days=CORRECTION_DAYS)
    if window_end >= usual:
        why = _("the end of the calendar's correction window.")
        return Proposal(window_end, why)
    why = _(
        "%(days)s days from today, the programme's usual correction period: the calendar's "
        "correction window (to %(date)s) leaves less."
    ) % {"days": CORRECTION_DAYS, "date": roc.format_roc_date(window_end)}
    return Proposal(usual, why)


@dataclass(frozen=True)
class Deadline:
    opens: dt.date | None
    due: dt.date  # the day that applies now (due date, correction deadline or extension)
    calendar_due: dt.date  # the programme's due date
    extension: object | None  # the FilingExtension that applies, if any
    correction: bool  # the due day is a correction deadline

    @property
    def ends_at(self) -> dt.datetime:
        return roc.end_of_day(self.due)

    def passed(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) > self.ends_at

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.due - (today or roc.today())).days


_READ = object()


def is_correction(filing: Filing) -> bool:
    """The filing is returned and due by a correction deadline."""
    return filing.state == FilingState.RETURNED and filing.correction_due is not None


def returned_at(ref: str = "pk"):
    """A subquery for annotate(returned_at=…): when the filing (OuterRef `ref`) was last
    returned."""
    return Subquery(
        FilingTransition.objects.filter(filing=OuterRef(ref), to_state=FilingState.RETURNED)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )


def pick_extension(filing: Filing, extensions, returned: dt.datetime | None):
    """Of a filing's extensions, the one that counts now: the latest granted; for a returned
    filing the latest granted since it was returned (`returned`): one granted before was
    for an earlier deadline and does not move its correction deadline."""
    candidates = [
        e
        for e in extensions
        if not (is_correction(filing) and returned is not None and e.granted_at < returned)
    ]
    return max(candidates, key=lambda e: (e.granted_at, e.pk), default=None)


def latest_extension(filing: Filing):
    """pick_extension() for one filing, read in one query."""
    if not filing.pk:
        return None
    rows = list(filing.extensions.annotate(returned=returned_at("filing")))
    return pick_extension(filing, rows, rows[0].returned if rows else None)


def latest_extensions(filings) -> dict:
    """pick_extension() of many filings in two queries: {filing id: extension}."""
    ids = [f.pk for f in filings if f.pk]
    returned = {}
    for filing_id, at in (
        FilingTransition.objects.filter(filing_id__in=ids, to_state=FilingState.RETURNED)
        .order_by("at", "pk")
        .values_list("filing_id", "at")
    ):
        returned[filing_id] = at  # the last one wins
    extensions: dict = {}
    for extension in FilingExtension.objects.filter(filing_id__in=ids):
        extensions.setdefault(extension.filing_id, []).append(extension)
    return {
        f.pk: pick_extension(f, extensions.get(f.pk, []), returned.get(f.pk))
        for f in filings
        if f.pk
    }


def correction_deadline(filing: Filing, extension=_READ) -> dt.date | None:
    """THE correction deadline of a returned filing (None if it is not returned): the
    correction deadline set when it was returned (the audit record's), or a later day an
    office extension granted since then gives. Every page, email and reminder shows this."""
    if not is_correction(filing):
        return None
    if extension is _READ:
        extension = latest_extension(filing)
    if extension is not None and extension.until > filing.correction_due:
        return extension.until
    return filing.correction_due


def deadline(filing: Filing, programme_year, extension=_READ) -> Deadline:
    """The deadline that applies to this filing now. A returned filing is due by its
    correction deadline (correction_deadline(): extensions granted before it was returned
    do not count); otherwise an office extension moves the due date to its own. Pass the
    latest_extension() (None: there is none) if it is already loaded; otherwise it is
    read."""
    opens, due = window(filing.kind, programme_year)
    correction = is_correction(filing)
    if extension is _READ:
        extension = latest_extension(filing)
    if correction:
        day = correction_deadline(filing, extension)  # the one rule for a returned filing
        applies = extension if day != filing.correction_due else None
    else:
        applies = extension if extension is not None and extension.until > due else None
        day = applies.until if applies else due
    return Deadline(
        opens=None if correction else opens,
        due=day,
        calendar_due=due,
        extension=applies,
        correction=correction,
    )


def submission_refusal(filing: Filing, programme_year, now=None) -> str | None:
    """Why the filing cannot be submitted at `now` by the calendar, or None."""
    now = now or timezone.now()
    d = deadline(filing, programme_year)
    local_day = now.astimezone(roc.PROGRAMME_TZ).date()
    if d.opens is not None and local_day < d.opens:
        return _("The window for this filing opens on %(date)s.") % {
            "date": roc.format_roc_date(d.opens)
        }
    if d.passed(now):
        return _(
            "The deadline (%(date)s, 23:59 Taiwan time) has passed. Only the programme office "
            "can allow a late submission, with an extension for this alliance."
        ) % {"date": roc.format_roc_date(d.due)}
    return None
