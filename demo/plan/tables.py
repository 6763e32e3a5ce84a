"""The programme's reference tables (reference_tables/) and the same tables computed from a plan."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from core.money import fee_band as money_fee_band
from core.money import half_up_int

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference_tables"


FIRST_YEAR = 102


LAST_YEAR = 106


EARLIER_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR))  # 102..105


TOTAL_ROW = "總計"


SHARE_ROW = "share_pct"


# Fee bands in 仟元 per company member: (label, lowest, highest) — the average is rounded
# half up to a whole number first, so the bands cover every whole number without gaps.
FEE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-15", 11, 15),
    ("16-20", 16, 20),
    ("21-25", 21, 25),
    ("26-30", 26, 30),
    ("31-35", 31, 35),
    ("36-40", 36, 40),
    ("41-45", 41, 45),
    ("46-50", 46, 50),
    ("51-60", 51, 60),
    ("61+", 61, 100),  # the plan draws 61..100; any higher average still counts here
)


BAND_LABELS = tuple(label for label, _, _ in FEE_BANDS)


TEAM_TYPES = ("cross_school", "regional_centre", "same_school", "single_lab")


Row = dict[str, str | int]


@dataclass(frozen=True)
class PlannedYear:
    """One alliance-year: what the alliance reported for one ROC year."""

    roc_year: int
    phase: int  # 1 or 2
    phase_year: int  # 1..3
    subsidy: int  # NT$, multiple of 10_000, between 1_000_000 and 3_000_000
    company_members: int  # members counted as company (M2/M4)
    individual_members: int
    other_members: int  # entered as "other" (not companies)
    # Entered as company but counted as other (M3); in neither company_members nor
    # other_members: a foreign firm without Taiwan registration, a research-type legal person.
    m3_foreign: int
    m3_research: int
    membership_fees: int  # NT$, all membership fees received that year (R2 會員費收入)
    technical_service: int  # NT$
    other_operating: int  # NT$
    tech_transfer: int  # NT$
    collaboration: int  # NT$, full amount

    @property
    def recurring_operating(self) -> int:
        """Recurring operating revenue: membership fees + technical service + other."""
        return self.membership_fees + self.technical_service + self.other_operating


@dataclass(frozen=True)
class PlannedAlliance:
    """An alliance with its alliance-years (consecutive ROC years, ascending)."""

    code: str  # field code upper + 3-digit index within the field, e.g. "MECH001"
    field_code: str
    name_zh: str
    name_en: str
    institution: str
    team_type: str
    years: tuple[PlannedYear, ...]

    def year(self, roc_year: int) -> PlannedYear | None:
        """The alliance-year of ``roc_year``, or None."""
        return next((y for y in self.years if y.roc_year == roc_year), None)


@dataclass(frozen=True)
class FieldInfo:
    """A row of fields.csv."""

    order: int
    code: str
    name_zh: str
    name_en: str


def read_reference(name: str) -> list[dict[str, str]]:
    """The rows of ``reference_tables/<name>`` as dicts of strings."""
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_fields() -> list[FieldInfo]:
    """fields.csv, in its ``order``."""
    rows = [
        FieldInfo(int(row["order"]), row["code"], row["name_zh"], row["name_en"])
        for row in read_reference("fields.csv")
    ]
    return sorted(rows, key=lambda f: f.order)


def by_field_zh(name: str) -> dict[str, dict[str, str]]:
    return {row["field_zh"]: row for row in read_reference(name)}


def _half_up_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (0 for an empty denominator)."""
    if not denominator:
        return 0
    return half_up_int(Decimal(numerator) / Decimal(denominator))


fee_band = money_fee_band  # one definition of the bands: core.money


def members_table(plan: Sequence[PlannedAlliance], roc_year: int = LAST_YEAR) -> list[Row]:
    """Alliances and company members per field in ``roc_year`` (members_106.csv)."""
    fields = load_fields()
    counts = {f.code: [0, 0] for f in fields}
    for alliance in plan:
        year = alliance.year(roc_year)
        if year is not None:
            counts[alliance.field_code][0] += 1
            counts[alliance.field_code][1] += year.company_members
    total_alliances = sum(n for n, _ in counts.values())
    total_members = sum(m for _, m in counts.values())
    rows: list[Row] = []
    for f in fields:
        alliances, members = counts[f.code]
        rows.append(
            {
                "field_zh": f.name_zh,
                "alliances": alliances,
                "company_members": members,
                "avg_members_per_alliance": _half_up_ratio(members, alliances),
                "share_pct": _half_up_ratio(100 * members, total_members),
            }
        )
    rows.append(
        {
            "field_zh": TOTAL_ROW,
            "alliances": total_alliances,
            "company_members": total_members,
            "avg_members_per_alliance": _half_up_ratio(total_members, total_alliances),
            "share_pct": 100,
        }
    )
    return rows


def revenue_table(plan: Sequence[PlannedAlliance], roc_year: int = LAST_YEAR) -> list[Row]:
    """Revenue per field in ``roc_year`` in 仟元 (revenue_106.csv), rounded from the sums."""
    fields = load_fields()
    keys = ("recurring_operating", "tech_transfer", "derived_collaboration")
    sums = {f.code: dict.fromkeys((*keys, "alliances"), 0) for f in fields}
    for alliance in plan:
        year = alliance.year(roc_year)
        if year is None:
            continue
        bucket = sums[alliance.field_code]
        bucket["alliances"] += 1
        bucket["recurring_operating"] += year.recurring_operating
        bucket["tech_transfer"] += year.tech_transfer
        bucket["derived_collaboration"] += year.collaboration
    grand = {key: sum(s[key] for s in sums.values()) for key in (*keys, "alliances")}

    def row(name: str, bucket: dict[str, int]) -> Row:
        total = sum(bucket[key] for key in keys)
        cells: Row = {"field_zh": name}
        cells.update({key: _half_up_ratio(bucket[key], 1000) for key in keys})
        cells["total"] = _half_up_ratio(total, 1000)
        cells["avg_per_alliance"] = _half_up_ratio(total, 1000 * bucket["alliances"])
        return cells

    return [row(f.name_zh, sums[f.code]) for f in fields] + [row(TOTAL_ROW, grand)]


def fee_bands(
    plan: Sequence[PlannedAlliance], years: Iterable[int] = range(FIRST_YEAR, LAST_YEAR + 1)
) -> list[Row]:
    """Alliance-years per field and fee band (fee_bands_102_106.csv), a total and a share row.

    An alliance-year's average is its membership fees per company member in 仟元, rounded
    half up to a whole number; alliance-years without company members are left out."""
    fields = load_fields()
    wanted = set(years)
    counts = {f.code: Counter[str]() for f in fields}
    for alliance in plan:
        for year in alliance.years:
            if year.roc_year in wanted and year.company_members > 0:
                average = _half_up_ratio(year.membership_fees, year.company_members * 1000)
                counts[alliance.field_code][fee_band(average)] += 1
    grand: Counter[str] = Counter()
    for counter in counts.values():
        grand.update(counter)
    grand_total = sum(grand.values())

    def row(name: str, counter: Counter[str]) -> Row:
        cells: Row = {"field_zh": name}
        cells.update({label: counter[label] for label in BAND_LABELS})
        cells["total"] = sum(counter.values())
        return cells

    rows = [row(f.name_zh, counts[f.code]) for f in fields] + [row(TOTAL_ROW, grand)]
    share: Row = {"field_zh": SHARE_ROW}
    share.update({label: _half_up_ratio(100 * grand[label], grand_total) for label in BAND_LABELS})
    share["total"] = 100
    rows.append(share)
    return rows
