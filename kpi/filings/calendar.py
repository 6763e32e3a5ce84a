"""The filing calendar of an alliance-year (domain.md §4): when each filing's window opens,
when it is due, what period its figures cover, and the deadline that applies to one
alliance after corrections and extensions. Deadlines are ProgrammeYear settings; a
deadline is the end of its day, 23:59:59 Asia/Taipei."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from core import roc
from kpi.filings.models import Filing, FilingKind, FilingState

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


def deadline(filing: Filing, programme_year, extension=_READ) -> Deadline:
    """The deadline that applies to this filing now. A returned filing is due by its
    correction deadline; an office extension moves the day to its own date. Pass the latest
    extension (None: there is none) if it is already loaded; otherwise it is read."""
    opens, due = window(filing.kind, programme_year)
    correction = filing.state == FilingState.RETURNED and filing.correction_due is not None
    base = filing.correction_due if correction else due
    if extension is _READ:
        extension = filing.extensions.order_by("-granted_at", "-pk").first() if filing.pk else None
    applies = extension if extension is not None and extension.until > base else None
    return Deadline(
        opens=None if correction else opens,
        due=applies.until if applies else base,
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
