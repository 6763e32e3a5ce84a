"""The checks across alliances, one small module each (X1–X6, docs/rules.md).

Each module has ID, TITLE, `find(programme_year) -> list[Found]` (a few bulk queries over
the whole year, whatever the number of alliances) and `sentence(params, full) -> str`: the
finding in words, `full` for the programme office (naming the other alliances), not full
for an alliance's own team (its own data only). Thresholds are settings (CROSS_CHECKS)."""

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings

DEFAULTS = {
    "CONTRACT_DAYS": 7,  # X1: signing dates this close are the same contract
    "FEE_FENCE": 1.5,  # X3: beyond the field's quartiles (log scale) by this many spreads
    "FEE_MIN_PEERS": 4,  # X3: paying alliance-years of the field needed to have a range
    "REVENUE_FACTOR": 5,  # X4: counted revenue this many times last year's, or a fraction
    "MAX_ALLIANCES": 3,  # X5: a firm a company member of more alliances than this in a year
    "EVIDENCE_AMOUNT": 500_000,  # X6: counted records of at least this need evidence
}


def threshold(name: str):
    return {**DEFAULTS, **getattr(settings, "CROSS_CHECKS", {})}[name]


@dataclass
class Found:
    check_id: str
    alliance_year_id: int
    other_alliance_year_id: int | None = None
    records: list = field(default_factory=list)
    params: dict = field(default_factory=dict)


def record(source: str, pk: int, alliance_year_id: int) -> dict:
    return {"source": source, "id": pk, "alliance_year": alliance_year_id}


def same_name(name: str) -> str:
    """A firm's name compared as people read it: full- and half-width alike, spaces and
    case ignored."""
    return "".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def all_checks():
    from assurance.checks import (
        x1_shared_contract,
        x2_firm_names,
        x3_fee_outlier,
        x4_revenue_jump,
        x5_many_alliances,
        x6_missing_evidence,
    )

    return [
        x1_shared_contract,
        x2_firm_names,
        x3_fee_outlier,
        x4_revenue_jump,
        x5_many_alliances,
        x6_missing_evidence,
    ]


def by_id() -> dict:
    return {check.ID: check for check in all_checks()}
