"""Members under rules M1–M5: 統一編號 vectors, kinds, the 106 member table of the demo."""

from pathlib import Path

import pytest

from alliances.models import Alliance, AllianceYear, ProgrammeYear
from members import rules, selectors, services
from members.models import EntityType, Firm, MemberKind, Membership
from members.ubn import is_valid_ubn

REFERENCE = Path(__file__).resolve().parent.parent / "demo" / "reference_tables"


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("ubn", "valid"),
    [
        ("22099131", True),
        ("04595257", True),
        ("22099109", True),  # divisible by 5 but not 10: valid only under the 2023 rule
        ("10000078", True),  # valid only through the 7th-digit-is-7 case
        ("12345678", False),
        ("22099132", False),
        ("00000000", False),
        ("1234567", False),
        ("abcdefgh", False),
        ("", False),
    ],
)
def test_ubn_check_digit(ubn, valid):
    assert is_valid_ubn(ubn) is valid


@pytest.mark.smoke
def test_2023_rule_and_seventh_digit_cases_really_need_their_rule():
    from members.ubn import checksum

    assert checksum("22099109") % 10 != 0 and checksum("22099109") % 5 == 0
    assert checksum("10000078") % 5 != 0 and (checksum("10000078") + 1) % 5 == 0


@pytest.mark.smoke
@pytest.mark.parametrize(
    ("entered", "entity", "counted", "rule"),
    [
        ("company", EntityType.COMPANY, "company", "M2"),
        ("company", EntityType.NON_RESEARCH_LEGAL, "company", "M2"),
        ("company", EntityType.FOREIGN_REGISTERED, "company", "M2"),
        ("company", EntityType.FOREIGN_UNREGISTERED, "other", "M3"),
        ("company", EntityType.RESEARCH_LEGAL, "other", "M3"),
        ("other", EntityType.COMPANY, "other", "M1"),
        ("individual", None, "individual", "M1"),
    ],
)
def test_member_kind_rules(entered, entity, counted, rule):
    firm = Firm(name="x", country="JP", entity_type=entity) if entity else None
    verdict = rules.member_kind(entered_kind=entered, firm=firm)
    assert (verdict.counted_kind, verdict.rule) == (counted, rule)
    assert verdict.counts is (counted == "company")  # M4


def _ay(alliance, year):
    return AllianceYear.objects.create(
        alliance=alliance,
        programme_year=year,
        phase=1,
        phase_year=1,
        subsidy=0,
        collaboration_weight=100,
    )


def test_hand_built_member_table(people):
    from kpi.models import RevenueEntry

    RevenueEntry.objects.all().delete()
    Membership.objects.all().delete()
    Firm.objects.all().delete()
    year = ProgrammeYear.objects.get(roc_year=106)
    a = people.alliance_years[106]
    b = AllianceYear.objects.get(alliance=people.other_alliance, programme_year=year)
    empty = _ay(
        Alliance.objects.create(
            name_zh="空聯盟",
            field=people.alliance.field,
            institution="某大學",
            team_type="single_lab",
        ),
        year,
    )
    shared = Firm.objects.create(name="兩盟公司", ubn="22099131")
    foreign = Firm.objects.create(
        name="Foreign Co", country="JP", entity_type=EntityType.FOREIGN_UNREGISTERED
    )
    for ay, firm in [(a, shared), (b, shared), (a, foreign)]:
        services.membership_save(
            membership=Membership(alliance_year=ay, firm=firm, entered_kind=MemberKind.COMPANY),
            by=people.pi,
        )
    rows = {r["field"].code if r["field"] else "total": r for r in selectors.members_by_field(106)}
    # A firm in two alliances counts in both (M5); the M3 firm entered as company does not.
    assert rows["mech"]["company_members"] == 1 + 0  # alliance a: shared only; empty: 0
    assert rows["mech"]["alliances"] == 2
    assert rows["civil"]["company_members"] == 1
    assert rows["total"]["company_members"] == 2
    assert selectors.counts_for(empty)["company"] == 0
    assert selectors.counts_for(a) == {
        "company": 1,
        "individual": 0,
        "other": 1,
        "reclassified": 1,
        "total": 2,
    }


def test_changing_a_firms_facts_recomputes_its_verdicts(people):
    ay = people.alliance_years[105]
    firm = Firm.objects.create(name="某研究院", ubn="04595257")
    m = services.membership_save(
        membership=Membership(alliance_year=ay, firm=firm, entered_kind=MemberKind.COMPANY),
        by=people.pi,
    )
    assert m.counted_kind == "company"
    firm.entity_type = EntityType.RESEARCH_LEGAL
    services.firm_save(firm=firm, by=people.office)
    m.refresh_from_db()
    assert (m.counted_kind, m.rule) == ("other", "M3")
