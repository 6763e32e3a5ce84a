"""What the review's changes share: the rules it names, the office's lock on a filing, checks."""

import logging

from django.utils.translation import gettext as _

from accounts.permissions import require
from kpi.filings import permissions
from kpi.filings.models import (
    Filing,
    FilingKind,
    FilingVersion,
)
from kpi.filings.services import (
    FilingError,
    locked_filing,
)
from kpi.ledger import catalog
from kpi.review.models import (
    ReviewMark,
)

logger = logging.getLogger(__name__)


# The rules a flag may cite (domain.md §3).
RULES = [
    *(f"M{n}" for n in range(1, 6)),
    *(f"R{n}" for n in range(1, 11)),
    *(f"O{n}" for n in range(1, 5)),
    *(f"S{n}" for n in range(1, 4)),
    "P1",
    "P2",
]


KPI_KINDS = (FilingKind.FIRST, FilingKind.SECOND)


MAX_TEXT = 4000


class StaleMark(FilingError):
    """Another reviewer changed this mark after this one opened the page."""


def office_filing(filing: Filing, by) -> Filing:
    require(permissions.can_view(by, filing.alliance_year.alliance))
    if not permissions.can_route(by):
        raise FilingError(_("Only the programme office reviews filings."))
    return locked_filing(filing)


def clean_text(value: str, *, what: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise FilingError(
            _("%(what)s is too long: at most %(n)s characters.") % {"what": what, "n": MAX_TEXT}
        )
    return value


def last_version(filing: Filing) -> FilingVersion | None:
    return filing.versions.order_by("-number").first()


def unmarked_items(version: FilingVersion) -> list:
    """Catalog items of the version without a mark yet, in catalog order."""
    marked = set(
        ReviewMark.objects.filter(version=version, record__isnull=True).values_list(
            "code", flat=True
        )
    )
    return [item for item in catalog.ITEMS if item.code not in marked]
