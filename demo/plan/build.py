"""Building the plan: each field's alliances and their years, from the reference tables."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from core.money import half_up_int
from demo.plan.names import (
    DEMO_FIELD,
    DEMO_INSTITUTION,
    DEMO_TEAM_TYPE,
    INSTITUTIONS,
    MEDICAL_INSTITUTIONS,
    TEAM_TYPE_WEIGHTS,
    alliance_names,
)
from demo.plan.tables import (
    BAND_LABELS,
    EARLIER_YEARS,
    FEE_BANDS,
    LAST_YEAR,
    TEAM_TYPES,
    FieldInfo,
    PlannedAlliance,
    PlannedYear,
    by_field_zh,
    load_fields,
)


@dataclass
class _Draft:
    """A mutable alliance while the plan is being built."""

    field_code: str
    first_year: int
    last_year: int
    members: dict[int, int] = field(default_factory=dict)  # company members per ROC year
    fees: dict[int, int] = field(default_factory=dict)  # membership fees per ROC year
    extras: dict[int, dict[str, int]] = field(default_factory=dict)  # the other year fields

    @property
    def roc_years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split a non-negative integer in proportion to ``weights`` (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _spread(total: int, years: Sequence[int]) -> dict[int, int]:
    """``total`` over ``years`` as evenly as possible; the odd ones go to the later years."""
    base, extra = divmod(total, len(years))
    return {year: base + (i >= len(years) - extra) for i, year in enumerate(years)}


def _continuing_counts(per_year: dict[int, int], n106: int, rng: random.Random) -> dict[int, int]:
    """How many 106 alliances were already present in each earlier year.

    Never growing going back in time; at least one back to 103 when there are earlier years."""
    fractions = {105: (0.55, 0.75), 104: (0.35, 0.5), 103: (0.2, 0.35), 102: (0.05, 0.2)}
    counts: dict[int, int] = {}
    ceiling = n106
    for year in sorted(EARLIER_YEARS, reverse=True):
        low, high = fractions.get(year, (0.0, 0.0))
        wanted = half_up_int(Decimal(repr(n106 * rng.uniform(low, high))))
        if year >= 103 and per_year[year] > 0:
            wanted = max(wanted, 1)
        counts[year] = min(wanted, per_year[year], ceiling)
        ceiling = counts[year]
    return counts


def _historic_runs(per_year: dict[int, int], rng: random.Random) -> list[tuple[int, int]]:
    """Decompose alliance-year counts into runs (first, last) of 1–4 consecutive years."""
    runs: list[tuple[int, int]] = []
    active: list[int] = []  # first years of the runs still going
    for year in EARLIER_YEARS:
        # A run usually stops after three years (one phase); now and then it goes on.
        going = [year - first < 3 or (year - first < 4 and rng.random() < 0.25) for first in active]
        candidates = [i for i, goes in enumerate(going) if goes]
        rng.shuffle(candidates)
        kept = set(candidates[: per_year[year]])
        runs += [(first, year - 1) for i, first in enumerate(active) if i not in kept]
        active = [first for i, first in enumerate(active) if i in kept]
        active += [year] * (per_year[year] - len(active))
    runs += [(first, EARLIER_YEARS[-1]) for first in active]
    return sorted(runs)


def _draw_fee(label: str, rng: random.Random) -> int:
    """A whole number of 仟元 inside a band (0-5 draws 1..5)."""
    _, lowest, highest = next(band for band in FEE_BANDS if band[0] == label)
    return rng.randint(max(lowest, 1), highest)


def _build_field(
    info: FieldInfo,
    members_row: dict[str, str],
    revenue_row: dict[str, str],
    bands_row: dict[str, str],
    rng: random.Random,
) -> tuple[list[_Draft], list[_Draft]]:
    """The field's 106 alliances (in code order) and its historic alliances."""
    n106 = int(members_row["alliances_derived"])
    company_members = int(members_row["company_members"])
    labels = [label for label in BAND_LABELS for _ in range(int(bands_row[label]))]
    earlier_total = len(labels) - n106
    if earlier_total < 0:
        raise ValueError(f"{info.name_zh}: fewer fee-band alliance-years than 106 alliances")

    # 1. Alliance-years.
    per_year = _spread(earlier_total, EARLIER_YEARS)
    continuing = _continuing_counts(per_year, n106, rng)
    current = []
    for index in range(n106):
        first = next((y for y in EARLIER_YEARS if index < continuing[y]), LAST_YEAR)
        current.append(_Draft(info.code, first, LAST_YEAR))
    historic_per_year = {year: per_year[year] - continuing[year] for year in EARLIER_YEARS}
    historic = [
        _Draft(info.code, first, last) for first, last in _historic_runs(historic_per_year, rng)
    ]

    # 2. Company members: 106 exact per field, earlier years plausible.
    shares = _split(company_members - 5 * n106, [rng.uniform(0.3, 1.7) for _ in current])
    for draft, share in zip(current, shares, strict=True):
        draft.members[LAST_YEAR] = 5 + share
        for year in EARLIER_YEARS:
            if year >= draft.first_year:
                shrink = (1 - 0.08 * (LAST_YEAR - year)) * rng.uniform(0.85, 1.05)
                draft.members[year] = max(3, int(draft.members[LAST_YEAR] * shrink))
    for draft in historic:
        size = rng.randint(4, 26)
        for year in draft.roc_years:
            draft.members[year] = max(3, size + rng.randint(-2, 3))

    # 3. Membership fees from shuffled band labels; 106 fees must fit the recurring total.
    recurring = int(revenue_row["recurring_operating"]) * 1000
    for _attempt in range(10_000):
        rng.shuffle(labels)
        values = [_draw_fee(label, rng) for label in labels]
        fees_106 = [d.members[LAST_YEAR] * v * 1000 for d, v in zip(current, values, strict=False)]
        if sum(fees_106) <= recurring:
            break
    else:  # pragma: no cover - the reference tables leave plenty of room
        raise ValueError(f"{info.name_zh}: no fee assignment fits the recurring revenue")
    for draft, fee in zip(current, fees_106, strict=True):
        draft.fees[LAST_YEAR] = fee
    earlier_slots = [
        (draft, year)
        for draft in current + historic
        for year in draft.roc_years
        if year < LAST_YEAR
    ]
    for (draft, year), value in zip(earlier_slots, values[n106:], strict=True):
        draft.fees[year] = draft.members[year] * value * 1000

    # 4. Revenue of 106 (in 仟元 while splitting, so every NT$ amount is a multiple of 1000).
    rest = (recurring - sum(fees_106)) // 1000
    services = _split(rest, [rng.uniform(0.2, 1.8) for _ in current])
    transfer = _split_sparse(int(revenue_row["tech_transfer"]), n106, 0.6, rng)
    collaboration = _split_sparse(int(revenue_row["derived_collaboration"]), n106, 0.85, rng)
    for i, draft in enumerate(current):
        technical = services[i] * rng.uniform(0.55, 0.9)
        draft.extras[LAST_YEAR] = {
            "technical_service": int(technical) * 1000,
            "other_operating": (services[i] - int(technical)) * 1000,
            "tech_transfer": transfer[i] * 1000,
            "collaboration": collaboration[i] * 1000,
        }
    for draft in current + historic:
        for year in draft.roc_years:
            if year < LAST_YEAR:
                draft.extras[year] = {
                    "technical_service": rng.randint(0, 1500) * 1000,
                    "other_operating": rng.randint(0, 400) * 1000,
                    "tech_transfer": rng.choice((0, 0, rng.randint(50, 2000))) * 1000,
                    "collaboration": rng.randint(0, 6000) * 1000,
                }
    return current, historic


def _split_sparse(total: int, count: int, share: float, rng: random.Random) -> list[int]:
    """Split ``total`` over ``count`` slots, roughly ``share`` of them non-zero (skewed)."""
    if count == 0:
        return []
    chosen = [rng.random() < share for _ in range(count)]
    if not any(chosen):
        chosen[rng.randrange(count)] = True
    return _split(total, [rng.expovariate(1.0) + 0.05 if c else 0.0 for c in chosen])


def _headcounts(year: int, rng: random.Random) -> dict[str, int]:
    """Individual, other and M3 members: small numbers."""
    if year == LAST_YEAR:
        return {
            "individual_members": rng.randint(0, 4),
            "other_members": rng.randint(0, 4),
            "m3_foreign": rng.choice((0, 0, 0, 0, 1, 1, 2)),
            "m3_research": rng.choice((0, 0, 0, 0, 0, 1, 1)),
        }
    return {
        "individual_members": rng.randint(0, 5),
        "other_members": rng.randint(0, 4),
        "m3_foreign": rng.choice((0, 0, 0, 0, 1)),
        "m3_research": rng.choice((0, 0, 0, 0, 0, 1)),
    }


def _ensure_m3(drafts: Sequence[_Draft], key: str, minimum: int) -> None:
    """At least ``minimum`` 106 alliances with a non-zero ``key`` (deterministic top-up)."""
    have = sum(1 for d in drafts if d.extras[LAST_YEAR][key] > 0)
    for draft in drafts:
        if have >= minimum:
            return
        if draft.extras[LAST_YEAR][key] == 0:
            draft.extras[LAST_YEAR][key] = 1
            have += 1


def _freeze(draft: _Draft, code: str, identity: tuple[str, str, str, str]) -> PlannedAlliance:
    name_zh, name_en, institution, team_type = identity
    years = []
    for index, year in enumerate(draft.roc_years):
        extras = draft.extras[year]
        years.append(
            PlannedYear(
                roc_year=year,
                phase=1 + index // 3,
                phase_year=1 + index % 3,
                subsidy=extras["subsidy"],
                company_members=draft.members[year],
                individual_members=extras["individual_members"],
                other_members=extras["other_members"],
                m3_foreign=extras["m3_foreign"],
                m3_research=extras["m3_research"],
                membership_fees=draft.fees[year],
                technical_service=extras["technical_service"],
                other_operating=extras["other_operating"],
                tech_transfer=extras["tech_transfer"],
                collaboration=extras["collaboration"],
            )
        )
    return PlannedAlliance(
        code=code,
        field_code=draft.field_code,
        name_zh=name_zh,
        name_en=name_en,
        institution=institution,
        team_type=team_type,
        years=tuple(years),
    )


def build_plan(seed: int = LAST_YEAR) -> list[PlannedAlliance]:
    """The demo plan: per field (fields.csv order) its 106 alliances, then historic ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    members = by_field_zh("members_106.csv")
    revenue = by_field_zh("revenue_106.csv")
    bands = by_field_zh("fee_bands_102_106.csv")

    built: list[tuple[FieldInfo, list[_Draft]]] = []
    current_all: list[_Draft] = []
    for info in load_fields():
        current, historic = _build_field(
            info, members[info.name_zh], revenue[info.name_zh], bands[info.name_zh], rng
        )
        built.append((info, current + historic))
        current_all += current
        for draft in current + historic:
            for year in draft.roc_years:
                draft.extras[year].update(_headcounts(year, rng))
                draft.extras[year]["subsidy"] = rng.randint(100, 300) * 10_000
    _ensure_m3(current_all, "m3_foreign", 10)
    _ensure_m3(current_all, "m3_research", 5)

    plan: list[PlannedAlliance] = []
    for info, drafts in built:
        names = alliance_names(info.code, len(drafts), rng)
        for index, (draft, (name_zh, name_en)) in enumerate(zip(drafts, names, strict=True)):
            if info.code == DEMO_FIELD and index == 0:
                institution, team_type = DEMO_INSTITUTION, DEMO_TEAM_TYPE
            else:
                pool = INSTITUTIONS + (MEDICAL_INSTITUTIONS if info.code == "biomed" else ())
                institution = rng.choice(pool)
                team_type = rng.choices(TEAM_TYPES, weights=TEAM_TYPE_WEIGHTS)[0]
            code = f"{info.code.upper()}{index + 1:03d}"
            plan.append(_freeze(draft, code, (name_zh, name_en, institution, team_type)))
    return _plant_unpaid_fees(plan)


def _plant_unpaid_fees(plan: list[PlannedAlliance]) -> list[PlannedAlliance]:
    """A case for the check across alliances X3 (README): the first 106 alliance-year
    outside the demo field whose members pay least (band 0-5) books its members' fees as
    other operating revenue instead. Its fee band (0-5) and its field's recurring revenue
    stay as published; its fee per company member (none) is far outside its field's."""
    for i, alliance in enumerate(plan):
        if alliance.field_code == DEMO_FIELD:
            continue
        for j, year in enumerate(alliance.years):
            if (
                year.roc_year == LAST_YEAR
                and year.company_members
                and 0 < year.membership_fees <= 5_000 * year.company_members
            ):
                moved = replace(
                    year,
                    membership_fees=0,
                    other_operating=year.other_operating + year.membership_fees,
                )
                plan[i] = replace(
                    alliance, years=(*alliance.years[:j], moved, *alliance.years[j + 1 :])
                )
                return plan
    return plan
