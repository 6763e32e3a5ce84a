"""Republic of China (民國) dates: ROC year = AD year − 1911.

Users read and type dates as ROC (107.02.01, 107年). A programme (project) year N runs from
N.02.01 to (N+1).01.31 (domain.md §1). Aware datetimes are shown in the portal's time zone.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import timezone

ROC_OFFSET = 1911

_ROC = re.compile(
    r"^\s*(?:民國)?\s*(\d{2,3})\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})\s*日?\s*$"
)
_ROC_COMPACT = re.compile(r"^\s*(\d{3})(\d{2})(\d{2})\s*$")
_ISO = re.compile(r"^\s*(\d{4})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})\s*$")


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def roc_year(value: dt.date | dt.datetime) -> int:
    """The ROC calendar year of a date: 2018-xx-xx → 107."""
    return _as_date(value).year - ROC_OFFSET


def ad_year(roc: int) -> int:
    return roc + ROC_OFFSET


def format_roc_date(value: dt.date | dt.datetime | None) -> str:
    """107.02.01 — the form the programme's documents use."""
    if value is None:
        return ""
    d = _as_date(value)
    return f"{d.year - ROC_OFFSET:d}.{d.month:02d}.{d.day:02d}"


def format_roc_datetime(value: dt.datetime | None) -> str:
    """107.02.01 14:05 in the portal's time zone."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_roc_date(local)} {local:%H:%M}"


def project_year_of(value: dt.date | dt.datetime) -> int:
    """The programme year a date falls in: 2018-02-01 … 2019-01-31 is year 107."""
    d = _as_date(value)
    return d.year - ROC_OFFSET - (1 if d.month == 1 else 0)


def project_year_bounds(roc: int) -> tuple[dt.date, dt.date]:
    """First and last day of programme year N: (N.02.01, (N+1).01.31)."""
    year = ad_year(roc)
    return dt.date(year, 2, 1), dt.date(year + 1, 1, 31)


class InvalidDate(ValueError):
    """The text is not a date in ROC or ISO form."""


def parse_date(text: str) -> dt.date:
    """Read a date typed in ROC (107.02.01, 107/2/1, 107年2月1日, 1070201) or ISO
    (2018-02-01, 2018/02/01) form. Raises InvalidDate."""
    if text is None:
        raise InvalidDate(text)
    text = str(text).strip()
    for pattern, roc in ((_ISO, False), (_ROC, True), (_ROC_COMPACT, True)):
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            if roc:
                if year < 1:
                    raise InvalidDate(text)
                year += ROC_OFFSET
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise InvalidDate(text) from exc
    raise InvalidDate(text)


PROGRAMME_TZ = ZoneInfo("Asia/Taipei")  # deadlines are Taiwan's days, whatever TIME_ZONE says


def end_of_day(day: dt.date) -> dt.datetime:
    """A deadline's last moment: 23:59:59.999999 of its day, Asia/Taipei (domain.md §4)."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=PROGRAMME_TZ)


def today() -> dt.date:
    """Today in Taiwan (the programme's calendar), whatever the server's zone."""
    return timezone.now().astimezone(PROGRAMME_TZ).date()
