"""Flags at their edges: R9 equal revenue is flagged, R10 at 80% passes, P1 at exactly
three new members passes, P2 at the floor passes; and a flag without its basis is not
judged, never passed."""

import datetime as dt

import pytest

from alliances.models import AllianceYear, ProgrammeYear
from kpi.ledger import flags, selectors, services
from kpi.models import RevenueEntry
from members.models import Firm, MemberKind, Membership
from members.services import apply_verdict


def totals(recurring=0, transfer=0, collab=0, weight=100, company=0, new=0):
    counted = recurring + transfer + collab * weight // 100
    return {
        "revenue": {
            "recurring": recurring,
            "transfer": transfer,
            "collaboration_full": collab,
            "total_counted": counted,
        },
        "members": {"company": company, "new_company": new},
    }


def accepted(before=None, listed=10, company=10, floor=None):
    """Last year's accepted figures (and its member list) as a flag's basis."""
    return flags.Basis(
        roc_year=105,
        source=flags.ACCEPTED,
        totals=before or totals(),
        listed_company=listed,
        accepted_company=company,
        floor=floor,
    )


def test_r9_equal_revenue_is_flagged_and_growth_passes():
    assert (
        flags.r9_growth(totals(1_000), accepted(totals(1_000)), 100, first_year=False).ok is False
    )
    assert flags.r9_growth(totals(1_001), accepted(totals(1_000)), 100, first_year=False).ok
    grew = flags.r9_growth(totals(1_001), accepted(totals(1_000)), 100, first_year=False)
    assert "去年為 NT$1,000（105 年度核定之第二次KPI填報" in grew.message  # says its basis


def test_r9_without_last_year_is_not_judged_unless_it_is_the_first_year():
    assert flags.r9_growth(totals(1_000), flags.Basis(), 100, first_year=True) is None
    missing = flags.r9_growth(totals(1_000), flags.Basis(), 100, first_year=False)
    assert missing.ok is None and missing.rule == "R9"
    empty = flags.Basis(roc_year=105, totals=totals())
    assert flags.r9_growth(totals(1_000), empty, 100, first_year=False).ok is None


def test_r9_compares_both_years_under_the_later_weight():
    # Phase 1 last year: 1,000,000 collaboration at 100%; phase 2 now: 30%. Under the later
    # weight last year counts 300,000, so 400,000 now is growth, not a drop.
    now = totals(recurring=100_000, collab=1_000_000, weight=30)
    before = totals(recurring=50_000, collab=1_000_000, weight=100)
    assert flags.r9_growth(now, accepted(before), 30, first_year=False).ok


@pytest.mark.parametrize(("counted", "ok"), [(2_400_000, True), (2_399_999, False)])
def test_r10_target_of_eighty_percent_at_phase_two_year_three(counted, ok):
    t = totals(recurring=counted)
    assert flags.r10_self_sufficiency(t, phase=2, phase_year=3, subsidy=3_000_000).ok is ok
    assert flags.r10_self_sufficiency(t, phase=2, phase_year=2, subsidy=3_000_000).ok


@pytest.mark.parametrize(("new", "ok"), [(3, True), (2, False)])
def test_p1_exactly_three_new_company_members_passes(new, ok):
    assert flags.p1_new_members(totals(new=new), 2, accepted()).ok is ok
    assert flags.p1_new_members(totals(new=0), 1, accepted()) is None


@pytest.mark.parametrize(
    ("basis", "reason"),
    [
        (flags.Basis(), "本系統沒有去年的會員名單"),
        (accepted(listed=0, company=10), "名單有 0 家廠商會員，核定數據卻為 10 家"),
        (flags.Basis(roc_year=105, source=flags.LEDGER, totals=totals()), "名單沒有廠商會員"),
    ],
)
def test_p1_without_a_member_list_that_agrees_with_the_accepted_figures_is_not_judged(
    basis, reason
):
    """Eight new company members against an empty or disagreeing list is no pass."""
    p1 = flags.p1_new_members(totals(new=8), 2, basis)
    assert p1.ok is None and reason in p1.message
    listed = flags.Basis(roc_year=105, source=flags.LEDGER, totals=totals(), listed_company=4)
    assert flags.p1_new_members(totals(new=8), 2, listed).ok is True  # a list, not accepted


@pytest.mark.parametrize(("company", "ok"), [(20, True), (19, False)])
def test_p2_company_members_not_below_the_phase_one_target(company, ok):
    assert flags.p2_member_floor(totals(company=company), phase=2, floor=20).ok is ok


def test_p1_counts_firms_that_were_not_company_members_last_year(people):
    ay105, ay106 = people.alliance_years[105], people.alliance_years[106]
    firms = [
        Firm.objects.create(name=f"公司{i}", ubn=u)
        for i, u in enumerate(["04595257", "10000078", "22099109"])
    ]
    for ay, firm in [
        (ay105, people.firm),
        (ay105, firms[0]),
        (ay106, firms[0]),
        (ay106, firms[1]),
        (ay106, firms[2]),
    ]:
        m = Membership(alliance_year=ay, firm=firm, entered_kind=MemberKind.COMPANY)
        apply_verdict(m)
        m.save()
    # 106: the fixture's firm (new: it was a member in 105 too? yes → not new), firms 1, 2 new.
    assert selectors.new_company_members(ay106) == 2


@pytest.mark.parametrize(
    ("signed", "counts"),
    [(dt.date(2018, 2, 1), True), (dt.date(2019, 1, 31), True), (dt.date(2019, 2, 1), False)],
)
def test_r6_transfers_of_year_107_at_the_year_edges(people, signed, counts):
    """107.02.01 and 108.01.31 count for 107; 108.02.01 does not."""
    y107 = ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))
    ay = AllianceYear.objects.create(
        alliance=people.alliance,
        programme_year=y107,
        phase=1,
        phase_year=3,
        subsidy=0,
        collaboration_weight=100,
    )
    m = Membership(alliance_year=ay, firm=people.firm, entered_kind=MemberKind.COMPANY)
    apply_verdict(m)
    m.save()
    entry = services.record_save(
        record=RevenueEntry(
            alliance_year=ay,
            kind="technology_transfer",
            amount=500_000,
            firm=people.firm,
            date=signed,
        ),
        by=people.pi,
    )
    assert (entry.counted, entry.rule) == (counts, "R6")
