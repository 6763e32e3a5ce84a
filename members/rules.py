"""Counting rules for members (domain.md §3): which kind a member counts as, and why.

    member_kind(entered_kind="company", firm=firm) -> KindVerdict("other", "M3", {...})

The verdict keeps the rule id and its parameters; the sentence shown to people is made
from them in their language (`explain`), never stored as text.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from members.models import EntityType, MemberKind


@dataclass(frozen=True)
class KindVerdict:
    counted_kind: str
    rule: str
    params: dict = field(default_factory=dict)

    @property
    def counts(self) -> bool:
        """M4: only company members count toward the member KPI."""
        return self.counted_kind == MemberKind.COMPANY


def member_kind(*, entered_kind: str, firm=None) -> KindVerdict:
    if entered_kind == MemberKind.INDIVIDUAL:
        return KindVerdict(MemberKind.INDIVIDUAL, "M1", {"entered": entered_kind})
    if entered_kind == MemberKind.OTHER:
        return KindVerdict(MemberKind.OTHER, "M1", {"entered": entered_kind})
    # Entered as a company: M2 unless M3 makes it "other".
    entity = getattr(firm, "entity_type", None)
    if entity == EntityType.RESEARCH_LEGAL:
        return KindVerdict(MemberKind.OTHER, "M3", {"entered": entered_kind, "entity": entity})
    if entity == EntityType.FOREIGN_UNREGISTERED:
        return KindVerdict(
            MemberKind.OTHER,
            "M3",
            {"entered": entered_kind, "entity": entity, "country": firm.country},
        )
    return KindVerdict(MemberKind.COMPANY, "M2", {"entered": entered_kind, "entity": entity})


def explain(rule: str, params: dict) -> str:
    """The verdict as a sentence in the active language."""
    entity = params.get("entity")
    if rule == "M3" and entity == EntityType.RESEARCH_LEGAL:
        return _(
            "Not counted as a company (M3): a research-type legal person is an “other” member."
        )
    if rule == "M3":
        return _(
            "Not counted as a company (M3): a foreign firm (%(country)s) without a Taiwan "
            "branch or tax registration is an “other” member."
        ) % {"country": params.get("country", "")}
    if rule == "M2":
        return _("Counted as a company member (M2, M4).")
    if params.get("entered") == MemberKind.INDIVIDUAL:
        return _("Individual member (M1): does not count toward the member KPI (M4).")
    return _("Other member (M1): does not count toward the member KPI (M4).")
