"""The demo data plan reproduces the published reference tables cell for cell."""

import csv
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from demo.plan import (
    BAND_LABELS,
    PlannedAlliance,
    PlannedYear,
    build_plan,
    fee_bands,
    members_table,
    revenue_table,
)

pytestmark = pytest.mark.smoke

TABLES = Path(__file__).resolve().parent.parent / "demo" / "reference_tables"
EARLIER = range(102, 106)
TEAM_TYPES = {"cross_school", "regional_centre", "same_school", "single_lab"}


def read_csv(name: str) -> list[dict[str, str]]:
    with (TABLES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


FIELDS = read_csv("fields.csv")
CODE_OF = {row["name_zh"]: row["code"] for row in FIELDS}
MEMBERS = read_csv("members_106.csv")
REVENUE = read_csv("revenue_106.csv")
BANDS = read_csv("fee_bands_102_106.csv")
N106 = {CODE_OF[row["field_zh"]]: int(row["alliances_derived"]) for row in MEMBERS[:-1]}
BAND_TOTAL = {CODE_OF[row["field_zh"]]: int(row["total"]) for row in BANDS[:-2]}


@pytest.fixture(scope="module")
def plan() -> list[PlannedAlliance]:
    return build_plan()


def years_of(plan, roc_year):
    return [(a, a.year(roc_year)) for a in plan if a.year(roc_year) is not None]


def all_years(plan) -> list[tuple[PlannedAlliance, PlannedYear]]:
    return [(a, y) for a in plan for y in a.years]


# 1. members_106.csv


def test_members_table_matches_reference(plan):
    rows = members_table(plan, 106)
    assert [row["field_zh"] for row in rows] == [row["field_zh"] for row in MEMBERS]
    for got, want in zip(rows, MEMBERS, strict=True):
        assert got["alliances"] == int(want["alliances_derived"]), want["field_zh"]
        assert got["company_members"] == int(want["company_members"]), want["field_zh"]
        assert got["avg_members_per_alliance"] == int(want["avg_members_per_alliance"])
        assert got["share_pct"] == int(want["share_pct"]), want["field_zh"]


def test_each_field_has_its_106_alliances_and_members(plan):
    per_field = defaultdict(lambda: [0, 0])
    for alliance, year in years_of(plan, 106):
        per_field[alliance.field_code][0] += 1
        per_field[alliance.field_code][1] += year.company_members
        assert year.company_members >= 5, alliance.code
    for row in MEMBERS[:-1]:
        code = CODE_OF[row["field_zh"]]
        assert per_field[code] == [int(row["alliances_derived"]), int(row["company_members"])]


# 2. revenue_106.csv


def test_revenue_table_matches_reference(plan):
    rows = revenue_table(plan, 106)
    assert [row["field_zh"] for row in rows] == [row["field_zh"] for row in REVENUE]
    for got, want in zip(rows, REVENUE, strict=True):
        for key in want:
            if key != "field_zh":
                assert got[key] == int(want[key]), (want["field_zh"], key)


def test_field_sums_are_exact_thousands(plan):
    sums = defaultdict(Counter)
    for alliance, year in years_of(plan, 106):
        sums[alliance.field_code]["recurring"] += (
            year.membership_fees + year.technical_service + year.other_operating
        )
        sums[alliance.field_code]["transfer"] += year.tech_transfer
        sums[alliance.field_code]["collaboration"] += year.collaboration
    for row in REVENUE[:-1]:
        code = CODE_OF[row["field_zh"]]
        assert sums[code]["recurring"] == int(row["recurring_operating"]) * 1000
        assert sums[code]["transfer"] == int(row["tech_transfer"]) * 1000
        assert sums[code]["collaboration"] == int(row["derived_collaboration"]) * 1000


def test_amounts_are_non_negative_multiples_of_1000(plan):
    for alliance, year in all_years(plan):
        for amount in (
            year.membership_fees,
            year.technical_service,
            year.other_operating,
            year.tech_transfer,
            year.collaboration,
        ):
            assert amount >= 0, alliance.code
            assert amount % 1000 == 0, alliance.code
        assert year.subsidy % 10_000 == 0
        assert 1_000_000 <= year.subsidy <= 3_000_000


# 3. fee_bands_102_106.csv


def test_fee_bands_match_reference(plan):
    rows = fee_bands(plan, range(102, 107))
    assert [row["field_zh"] for row in rows] == [row["field_zh"] for row in BANDS]
    for got, want in zip(rows, BANDS, strict=True):
        for label in (*BAND_LABELS, "total"):
            assert got[label] == int(want[label]), (want["field_zh"], label)


def test_fee_average_is_rounded_half_up_and_zero_members_are_left_out():
    def alliance(code, fees, members):
        year = PlannedYear(106, 1, 1, 1_000_000, members, 0, 0, 0, 0, fees, 0, 0, 0, 0)
        return PlannedAlliance(code, "mech", code, code, "x", "single_lab", (year,))

    def mech_row(*alliances):
        rows = fee_bands(list(alliances), [106])
        return next(row for row in rows if row["field_zh"] == "機電材料")

    assert mech_row(alliance("A", 11_000, 2))["6-10"] == 1  # 5.5 仟元 → 6
    # 10.5 → 11 half up (Python's round() would give 10, band 6-10).
    assert mech_row(alliance("B", 21_000, 2))["11-15"] == 1
    assert mech_row(alliance("C", 10_498, 1))["6-10"] == 1
    row = mech_row(alliance("D", 9_000, 0))
    assert row["total"] == 0


# 4. Alliance-years and phases


def test_earlier_alliance_years_spread_evenly(plan):
    per_field_year = Counter(
        (a.field_code, y.roc_year) for a, y in all_years(plan) if y.roc_year < 106
    )
    assert not any(code == "civil" for code, _ in per_field_year)
    for code, n106 in N106.items():
        counts = [per_field_year[(code, year)] for year in EARLIER]
        assert sum(counts) == BAND_TOTAL[code] - n106, code
        assert max(counts) - min(counts) <= 1, code


def test_years_are_consecutive_and_unique(plan):
    for alliance in plan:
        roc_years = [y.roc_year for y in alliance.years]
        assert roc_years == list(range(roc_years[0], roc_years[0] + len(roc_years)))
        assert roc_years[0] >= 102
        if roc_years[-1] == 106:
            continue
        assert roc_years[-1] <= 105, alliance.code  # historic alliance
        assert 1 <= len(roc_years) <= 4, alliance.code


def test_continuing_alliances_never_grow_going_back(plan):
    for code in N106:
        current = [a for a in plan if a.field_code == code and a.year(106)]
        counts = [sum(1 for a in current if a.year(year)) for year in range(102, 107)]
        assert counts == sorted(counts), code


def test_phases_follow_from_the_first_year(plan):
    for alliance in plan:
        for index, year in enumerate(alliance.years):
            assert (year.phase, year.phase_year) == (1 + index // 3, 1 + index % 3)


def test_each_field_but_civil_has_a_phase_two_alliance_in_106(plan):
    for code in N106:
        phase_two = [a for a, y in years_of(plan, 106) if a.field_code == code and y.phase == 2]
        if code == "civil":
            assert not phase_two
        else:
            assert phase_two, code
            assert all(a.years[0].roc_year <= 103 for a in phase_two)


# 5./6. Head counts


def test_earlier_years_are_plausible(plan):
    for alliance, year in all_years(plan):
        assert year.company_members >= 3, alliance.code
        assert year.individual_members >= 0
        assert year.other_members >= 0
        assert year.m3_foreign >= 0
        assert year.m3_research >= 0


def test_106_small_counts_and_m3_members(plan):
    current = [y for _, y in years_of(plan, 106)]
    for year in current:
        for count in (
            year.individual_members,
            year.other_members,
            year.m3_foreign,
            year.m3_research,
        ):
            assert 0 <= count <= 4
    assert sum(1 for y in current if y.m3_foreign > 0) >= 10
    assert sum(1 for y in current if y.m3_research > 0) >= 5


# 7. Identity


def test_plan_is_deterministic(plan):
    assert build_plan() == plan
    assert build_plan(106) == plan


def test_codes_and_names_are_unique_and_well_formed(plan):
    assert len({a.code for a in plan}) == len(plan)
    assert len({a.name_zh for a in plan}) == len(plan)
    assert len({a.name_en for a in plan}) == len(plan)
    field_codes = set(CODE_OF.values())
    for alliance in plan:
        assert alliance.field_code in field_codes
        assert alliance.name_zh.endswith("產學小聯盟")
        assert alliance.name_en.endswith(" Alliance")
        assert alliance.team_type in TEAM_TYPES
        assert alliance.institution.endswith("大學")


def test_codes_number_106_alliances_first_then_historic(plan):
    for code, n106 in N106.items():
        alliances = [a for a in plan if a.field_code == code]
        expected = [f"{code.upper()}{i:03d}" for i in range(1, len(alliances) + 1)]
        assert [a.code for a in alliances] == expected
        assert all(a.year(106) for a in alliances[:n106])
        assert not any(a.year(106) for a in alliances[n106:])


def test_demo_alliance(plan):
    first = next(a for a in plan if a.field_code == "mech" and a.year(106))
    assert first.code == "MECH001"
    assert first.name_zh == "智慧精密加工產學小聯盟"
    assert first.name_en == "Smart Precision Machining Alliance"
    assert first.institution == "國立成功大學"
    assert first.team_type == "same_school"


# 8. Speed


def test_build_plan_is_fast():
    start = time.perf_counter()
    build_plan()
    assert time.perf_counter() - start < 1.0
