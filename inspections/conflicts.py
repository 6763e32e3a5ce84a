"""Conflicts of interest of site-visit reviewers (issue 28), the reads.

A reviewer may not review an alliance they have a tie to: one whose executing institution
is an institution they declared (names compared normalised: full-width forms, 台/臺,
spaces and punctuation, a leading 國立/私立 do not count, and a department of the
institution is the institution), one with a firm they declared among its members (by
firm, 統一編號 or normalised name) in the visit's programme year or the year before (a
visit falls in N.03–N.04, while year N's member list is still being entered, as
selectors.current_member_firm_ids), or one whose visit they declared a conflict with.
The office may assign them anyway, with a recorded reason (services.conflicts).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from inspections.models import (
    AffiliationKind,
    AffiliationTie,
    ConflictDeclaration,
    ReviewerAffiliation,
)

INSTITUTION = "institution"
FIRM = "firm"
DECLARED = "declared"

_PREFIXES = ("國立", "私立", "national")
_FIRM_SUFFIXES = ("股份有限公司", "有限公司", "公司", "coltd", "inc", "ltd")
_NOT_LETTERS = re.compile(r"[\W_]+")


def normalise_name(name: str) -> str:
    """A name as compared: NFKC, case folded, 台 as 臺, without spaces or punctuation."""
    text = unicodedata.normalize("NFKC", name or "").casefold().replace("台", "臺")
    return _NOT_LETTERS.sub("", text)


def normalise_institution(name: str) -> str:
    text = normalise_name(name)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def normalise_firm(name: str) -> str:
    text = normalise_name(name)
    for suffix in _FIRM_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def same_institution(declared: str, executing: str) -> bool:
    """The same institution, or one a department of the other (國立成功大學 and
    成功大學機械系); names under four letters must match exactly."""
    a, b = normalise_institution(declared), normalise_institution(executing)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and longer.startswith(shorter)


@dataclass(frozen=True)
class Conflict:
    """One reason a reviewer may not review an alliance: its kind (institution, firm,
    declared), what it names, and the tie or date."""

    kind: str
    name: str
    tie: str = ""  # AffiliationTie value; for a declared conflict, its date (ISO)

    def as_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "tie": self.tie}

    @classmethod
    def from_json(cls, row: dict) -> "Conflict":
        return cls(kind=row.get("kind", ""), name=row.get("name", ""), tie=row.get("tie", ""))

    def text(self) -> str:
        """The reason in the current language, without the reviewer's name."""
        tie = str(AffiliationTie(self.tie).label) if self.tie in AffiliationTie.values else ""
        if self.kind == INSTITUTION:
            return _("declared a tie to %(institution)s (%(tie)s), the executing institution") % {
                "institution": self.name,
                "tie": tie,
            }
        if self.kind == FIRM:
            return _("declared a tie to %(firm)s (%(tie)s), a member firm of the alliance") % {
                "firm": self.name,
                "tie": tie,
            }
        return _("declared a conflict of interest with this visit: %(description)s") % {
            "description": self.name
        }


def describe(reviewer, conflicts) -> str:
    """One sentence naming the reviewer and every reason."""
    return _("%(name)s %(reasons)s.") % {
        "name": reviewer,
        "reasons": _("; ").join(c.text() for c in conflicts),
    }


def texts(rows) -> list[str]:
    """Stored conflicts (ReviewForm.override_conflicts) as sentences."""
    return [Conflict.from_json(row).text() for row in rows or []]


def _member_firms(alliance_year) -> list[tuple[int, str, str]]:
    from members.models import Membership

    return list(
        Membership.objects.filter(
            alliance_year__alliance_id=alliance_year.alliance_id,
            alliance_year__programme_year__roc_year__in=[
                alliance_year.programme_year.roc_year,
                alliance_year.programme_year.roc_year - 1,
            ],
            firm__isnull=False,
        )
        .values_list("firm_id", "firm__ubn", "firm__name")
        .distinct()
    )


def _firm_conflict(affiliation, members) -> str:
    """The name of the member firm the affiliation names, else ""."""
    own = normalise_firm(affiliation.firm_name)
    for firm_id, ubn, name in members:
        if affiliation.firm_id and affiliation.firm_id == firm_id:
            return name
        if affiliation.ubn and affiliation.ubn == ubn:
            return name
        if not affiliation.firm_id and not affiliation.ubn and own and own == normalise_firm(name):
            return name
    return ""


def conflicts_for(alliance_year, reviewers, *, visit=None) -> dict[int, list[Conflict]]:
    """For each reviewer with a conflict with the alliance-year (and its visit), the
    conflicts found: {user pk: [Conflict]}. Three queries whatever the number of reviewers."""
    ids = [user.pk for user in reviewers]
    if not ids:
        return {}
    institution = alliance_year.alliance.institution
    members = None
    found: dict[int, list[Conflict]] = {}
    for affiliation in ReviewerAffiliation.objects.filter(reviewer_id__in=ids).select_related(
        "firm"
    ):
        conflict = None
        if affiliation.kind == AffiliationKind.INSTITUTION:
            if same_institution(affiliation.institution, institution):
                conflict = Conflict(INSTITUTION, affiliation.institution, affiliation.tie)
        else:
            if members is None:
                members = _member_firms(alliance_year)
            name = _firm_conflict(affiliation, members)
            if name:
                conflict = Conflict(FIRM, name, affiliation.tie)
        if conflict is not None and conflict not in found.get(affiliation.reviewer_id, []):
            found.setdefault(affiliation.reviewer_id, []).append(conflict)
    if visit is not None and visit.pk:
        for declaration in ConflictDeclaration.objects.filter(
            visit=visit, reviewer_id__in=ids, conflict=True
        ).order_by("declared_at"):
            found.setdefault(declaration.reviewer_id, []).append(
                Conflict(DECLARED, declaration.description, declaration.declared_at.isoformat())
            )
    return found
