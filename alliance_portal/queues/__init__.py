"""Each role's work queue on its home page (issue 26): what needs the person now, grouped,
each entry a link to the page where the work is done, with counts and ROC dates. Reads
only, in a number of queries that does not grow with the data.

- `team.py` — a PI, co-PI or assistant, per alliance (within what their role allows).
- `programme.py` — the programme office, the department viewer and a reviewer.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import roc


@dataclass
class Item:
    """One entry: the link's text and target, and what the reader should know beside it."""

    text: str
    url: str
    detail: str = ""
    urgent: bool = False
    count: int | None = None  # shown in the link's text when the entry stands for several
    extra: list = field(default_factory=list)  # more (text, url) links beside it


@dataclass
class Group:
    """A kind of work (a heading with its count) and its entries."""

    key: str
    title: str
    items: list
    count: int | None = None  # default: the number of items

    def __post_init__(self):
        if self.count is None:
            self.count = len(self.items)


@dataclass
class Queue:
    """One section of the home page: a heading and the groups that have work in them."""

    key: str
    title: str
    groups: list
    empty: str = ""

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


def days_left(due: dt.date, today: dt.date | None = None) -> str:
    """ "due 107.10.31, 12 days left", "due today 107.10.31", "overdue since 107.10.31"."""
    today = today or roc.today()
    left = (due - today).days
    date = roc.format_roc_date(due)
    if left < 0:
        return _("overdue since %(date)s") % {"date": date}
    if left == 0:
        return _("due today, %(date)s") % {"date": date}
    return ngettext("due %(date)s, %(days)d day left", "due %(date)s, %(days)d days left", left) % {
        "date": date,
        "days": left,
    }


def in_days(day: dt.date, today: dt.date | None = None) -> str:
    """ "today", "tomorrow", "in 5 days" (a day still to come)."""
    left = (day - (today or roc.today())).days
    if left <= 0:
        return _("today")
    return ngettext("in %(days)d day", "in %(days)d days", left) % {"days": left}


def queues_for(user, *, to_do=()) -> list[Queue]:
    """The person's queues, in the order the home page shows them."""
    from alliance_portal.queues import programme, team

    queues = []
    if user.is_office:
        queues.append(programme.office_queue(user))
    elif user.programme_role == "viewer":
        queues.append(programme.viewer_queue())
    elif user.programme_role == "reviewer":
        queues.append(programme.reviewer_queue(user))
    queues += team.team_queues(user, to_do=to_do)
    return queues
