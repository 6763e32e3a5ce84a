"""The KPI catalog, in one place: every item the portal counts, with its code, label,
unit, the rules that decide it, and where its records are (domain.md §3)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpi.ledger.flags import self_sufficiency_ratio


@dataclass(frozen=True)
class Item:
    code: str
    label: str  # lazily translated
    unit: str  # firms, people, cases, events, ntd, percent
    rules: str
    key: str  # path in the totals dict: "revenue.recurring"
    records: str = ""  # ledger filter for the drill-down: "revenue:technical_service"
    derived: bool = False  # computed from other items; no target of its own is entered


# fmt: off
ITEMS = [
    Item("M-COMPANY", _("Company members"), "firms", "M2 M3 M4", "members.company", "members"),
    Item("M-INDIVIDUAL", _("Individual members"), "people", "M1", "members.individual", "members"),
    Item("M-OTHER", _("Other members"), "firms", "M1 M3", "members.other", "members"),
    Item("M-NEW", _("New company members"), "firms", "P1", "members.new_company", "members"),
    Item("R-FEE", _("Membership fee revenue"), "ntd", "R2 R3", "revenue.membership_fees", "revenue:membership_fee"),
    Item("R-SERVICE", _("Technical service revenue"), "ntd", "R2 R3 R5", "revenue.technical_service", "revenue:technical_service"),
    Item("R-OTHER", _("Other operating revenue"), "ntd", "R2 R3", "revenue.other_operating", "revenue:other_operating"),
    Item("R-RECURRING", _("Recurring operating revenue"), "ntd", "R2", "revenue.recurring", "revenue", derived=True),
    Item("R-TRANSFER-N", _("Technology transfers"), "cases", "R6", "revenue.transfers", "revenue:technology_transfer"),
    Item("R-TRANSFER", _("Technology transfer revenue"), "ntd", "R6", "revenue.transfer", "revenue:technology_transfer"),
    Item("R-COLLAB-N", _("Collaboration projects"), "cases", "R7", "revenue.collaborations", "revenue:collaboration"),
    Item("R-COLLAB", _("Collaboration funding (full)"), "ntd", "R7", "revenue.collaboration_full", "revenue:collaboration"),
    Item("R-COLLAB-C", _("Collaboration funding (counted)"), "ntd", "R8", "revenue.collaboration_counted", "revenue:collaboration", derived=True),
    Item("R-TOTAL", _("Total revenue (full)"), "ntd", "R1", "revenue.total_full", "revenue", derived=True),
    Item("R-TOTAL-C", _("Total revenue (counted)"), "ntd", "R1 R8", "revenue.total_counted", "revenue", derived=True),
    Item("R-SELF", _("Self-sufficiency ratio"), "percent", "R10", "revenue.self_sufficiency", "revenue", derived=True),
    Item("O-PRODUCT", _("New products"), "cases", "O1", "outcomes.new_product", "outcomes:new_product"),
    Item("O-TECH", _("New technologies"), "cases", "O1", "outcomes.new_technology", "outcomes:new_technology"),
    Item("O-PATENT-A", _("Patent applications"), "cases", "O1 O2", "outcomes.patent_application", "outcomes:patent_application"),
    Item("O-PATENT-G", _("Patents granted"), "cases", "O1 O2", "outcomes.patent_grant", "outcomes:patent_grant"),
    Item("O-HIRES", _("New hires"), "people", "O3", "outcomes.new_hires", "outcomes:new_hires"),
    Item("O-VALUE", _("Increase in output value"), "ntd", "O4", "outcomes.output_value", "outcomes:output_value"),
    Item("S-PROMO", _("Promotion activities"), "events", "S1", "activities.promotion", "activities:promotion"),
    Item("S-SEMINAR", _("Technical seminars"), "events", "S2", "activities.seminar", "activities:seminar"),
    Item("S-ATTEND", _("Company-member seminar attendees"), "people", "S2", "activities.seminar_attendees", "activities:seminar"),
    Item("S-CONSULT", _("Consulting sessions"), "cases", "S3", "activities.consulting", "activities:consulting"),
    Item("S-ONSITE", _("On-site guidance visits"), "cases", "S3", "activities.onsite", "activities:onsite"),
    Item("S-SERVICE-N", _("Technical service cases"), "cases", "R5", "revenue.technical_service_cases", "revenue:technical_service"),
]
# fmt: on

BY_CODE = {item.code: item for item in ITEMS}
TARGETED = [item for item in ITEMS if not item.derived]


def derive_targets(targets: dict, *, weight: int, subsidy: int) -> dict:
    """Every item's target from the entered ones: sums (R1, R2), the counted collaboration
    (R8 at the year's weight) and the self-sufficiency it implies (R10)."""
    t = {code: targets.get(code) for code in BY_CODE}
    if any(t[c] is None for c in ("R-FEE", "R-SERVICE", "R-OTHER", "R-TRANSFER", "R-COLLAB")):
        return t
    t["R-RECURRING"] = t["R-FEE"] + t["R-SERVICE"] + t["R-OTHER"]
    t["R-COLLAB-C"] = t["R-COLLAB"] * weight // 100
    t["R-TOTAL"] = t["R-RECURRING"] + t["R-TRANSFER"] + t["R-COLLAB"]
    t["R-TOTAL-C"] = t["R-RECURRING"] + t["R-TRANSFER"] + t["R-COLLAB-C"]
    t["R-SELF"] = self_sufficiency_ratio(t["R-TOTAL-C"], subsidy)  # R10
    return t


def value(item: Item, totals: dict):
    node = totals
    for part in item.key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


LEDGER_PAGES = {"outcome": "outcomes", "activity": "activities"}


def records_url(records: str, alliance_id: int, roc_year: int, record_id=None) -> str:
    """The page of the records behind an item (Item.records, "revenue:technical_service")
    or of one record ("revenue:other_operating" and its id): the ledger filtered to them,
    or the year's members."""
    source, _sep, kind = records.partition(":")
    if source in ("members", "membership"):
        return reverse("members_list", args=[alliance_id, roc_year])
    page = LEDGER_PAGES.get(source, source)
    query = {"kind": kind} if kind else {}
    if record_id:
        query["record"] = record_id
    url = reverse("ledger", args=[alliance_id, roc_year, page])
    return f"{url}?{urlencode(query)}" if query else url
