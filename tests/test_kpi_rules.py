"""The counting rules through the save service: each rule's counted and excluded case."""

import datetime as dt

import pytest

from kpi.ledger import selectors, services
from kpi.models import Activity, Outcome, RevenueEntry
from members.models import EntityType, Firm, MemberKind, Membership
from members.services import firm_save

D = dt.date


@pytest.fixture
def ledger(people):
    """Alliance-year 106 of MECH001 (2017-02-01 … 2018-01-31) with one company member
    (the fixture's firm), plus a non-member firm."""
    ay = people.alliance_years[106]
    RevenueEntry.objects.all().delete()  # the fixture's entry: start from an empty ledger
    people.outsider_firm = Firm.objects.create(name="非會員公司", ubn="04595257")
    return ay


def save(people, record, **kwargs):
    return services.record_save(record=record, by=people.pi, **kwargs)


JUNE = D(2017, 6, 1)


def rev(ay, kind, amount=100_000, date=JUNE, **fields):
    return RevenueEntry(alliance_year=ay, kind=kind, amount=amount, date=date, **fields)


def test_r3_operating_revenue_counts_only_when_freely_usable(people, ledger):
    counted = save(people, rev(ledger, "membership_fee", membership=people.membership))
    excluded = save(people, rev(ledger, "technical_service", firm=people.firm, freely_usable=False))
    assert (counted.counted, counted.rule) == (True, "R2")
    assert (excluded.counted, excluded.rule, excluded.counted_amount) == (False, "R3", 0)


@pytest.mark.parametrize("kind", ["university_incentive", "donated_equipment", "most_subsidy"])
def test_r4_never_revenue_is_kept_as_excluded(people, ledger, kind):
    entry = save(people, rev(ledger, kind, amount=3_000_000))
    assert (entry.counted, entry.rule, entry.full_amount) == (False, "R4", 3_000_000)
    assert selectors.revenue_totals(ledger)["total_full"] == 0


def test_r5_technical_service_needs_a_firm_not_a_member(people, ledger):
    by_firm = save(people, rev(ledger, "technical_service", firm=people.outsider_firm))
    by_agency = save(
        people, rev(ledger, "technical_service", payer_name="經濟部", payer_kind="government")
    )
    assert (by_firm.counted, by_firm.rule) == (True, "R5")
    assert (by_agency.counted, by_agency.rule) == (False, "R5")


@pytest.mark.parametrize(
    ("signed", "counts"),
    [
        (D(2017, 2, 1), True),
        (D(2018, 1, 31), True),
        (D(2018, 2, 1), False),
        (D(2017, 1, 31), False),
    ],
)
def test_r6_transfer_counts_inside_the_year_with_a_company_member(people, ledger, signed, counts):
    entry = save(people, rev(ledger, "technology_transfer", firm=people.firm, date=signed))
    assert (entry.counted, entry.rule) == (counts, "R6")


def test_r6_transfer_with_a_non_member_is_excluded(people, ledger):
    entry = save(people, rev(ledger, "technology_transfer", firm=people.outsider_firm))
    assert (entry.counted, entry.rule, entry.rule_params["member"]) == (False, "R6", False)


def test_r7_collaboration_needs_a_company_member(people, ledger):
    ok = save(people, rev(ledger, "collaboration", firm=people.firm))
    no = save(people, rev(ledger, "collaboration", firm=people.outsider_firm))
    assert ok.counted and not no.counted and no.rule == "R7"


def test_r8_phase_two_counts_thirty_percent(people, ledger):
    ledger.phase, ledger.collaboration_weight = 2, 30
    ledger.save()
    entry = save(people, rev(ledger, "collaboration", amount=1_000_000, firm=people.firm))
    assert (entry.rule, entry.full_amount, entry.counted_amount) == ("R8", 1_000_000, 300_000)
    totals = selectors.revenue_totals(ledger)
    assert totals["collaboration_full"] == 1_000_000 and totals["total_counted"] == 300_000


def test_r1_and_r2_are_sums(people, ledger):
    save(people, rev(ledger, "membership_fee", 30_000, membership=people.membership))
    save(people, rev(ledger, "technical_service", 200_000, firm=people.firm))
    save(
        people,
        rev(ledger, "other_operating", 5_000, payer_name="講習學員", payer_kind="individual"),
    )
    save(people, rev(ledger, "technology_transfer", 400_000, firm=people.firm))
    save(people, rev(ledger, "collaboration", 1_000_000, firm=people.firm))
    save(people, rev(ledger, "most_subsidy", 2_000_000))
    t = selectors.revenue_totals(ledger)
    assert t["recurring"] == 30_000 + 200_000 + 5_000  # R2
    assert t["total_full"] == t["recurring"] + 400_000 + 1_000_000  # R1
    assert t["total_counted"] == t["total_full"]  # phase 1: weight 100%


def outcome(ay, kind, firm, **fields):
    return Outcome(
        alliance_year=ay, kind=kind, firm=firm, title="成果", date=D(2017, 8, 1), **fields
    )


def test_o1_outcomes_count_only_for_company_members(people, ledger):
    ok = save(people, outcome(ledger, "new_product", people.firm))
    no = save(people, outcome(ledger, "new_product", people.outsider_firm))
    assert (ok.counted, no.counted, no.rule) == (True, False, "O1")


def test_o2_university_patents_do_not_count(people, ledger):
    firm_patent = save(people, outcome(ledger, "patent_application", people.firm))
    university = save(people, outcome(ledger, "patent_grant", people.firm, applicant="university"))
    assert firm_patent.counted and (university.counted, university.rule) == (False, "O2")


def test_s2_only_company_member_attendees_count(people, ledger):
    seminar = Activity(
        alliance_year=ledger,
        kind="seminar",
        title="技術研討會",
        date=D(2017, 9, 1),
        other_attendees=5,
    )
    seminar = save(people, seminar, attendee_firm_ids=[people.firm.pk, people.outsider_firm.pk])
    assert (seminar.rule, seminar.full_amount, seminar.counted_amount) == ("S2", 7, 1)
    assert selectors.activity_totals(ledger)["seminar_attendees"] == 1


def test_recomputation_when_a_member_becomes_a_research_legal_person(people, ledger):
    entry = save(people, rev(ledger, "technology_transfer", 400_000, firm=people.firm))
    assert entry.counted
    before = selectors.revenue_totals(ledger)["total_full"]
    people.firm.entity_type = EntityType.RESEARCH_LEGAL
    firm_save(firm=people.firm, by=people.office)
    entry.refresh_from_db()
    assert (entry.counted, entry.rule) == (False, "R6")
    assert selectors.revenue_totals(ledger)["total_full"] == before - 400_000


def test_a_second_concurrent_edit_is_refused(people, ledger):
    entry = save(people, rev(ledger, "technical_service", firm=people.firm))
    mine = RevenueEntry.objects.get(pk=entry.pk)
    theirs = RevenueEntry.objects.get(pk=entry.pk)
    mine.amount = 120_000
    save(people, mine, expected_version=entry.version)
    theirs.amount = 90_000
    with pytest.raises(services.ConcurrentEdit):
        save(people, theirs, expected_version=entry.version)
    assert RevenueEntry.objects.get(pk=entry.pk).amount == 120_000


def test_a_viewer_or_an_assistant_without_the_ledger_cannot_save(people, ledger):
    from django.http import Http404

    people.assistant_role.capabilities = []
    people.assistant_role.save()
    for user in (people.viewer, people.assistant):
        with pytest.raises(services.LedgerError):
            services.record_save(record=rev(ledger, "other_operating"), by=user)
    with pytest.raises(Http404):
        services.record_save(record=rev(ledger, "other_operating"), by=people.other_pi)
    assert RevenueEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (lambda ay, p: rev(ay, "technical_service", date=D(2018, 2, 1), firm=p.firm), "計畫年度"),
        (
            lambda ay, p: rev(
                ay,
                "membership_fee",
                membership=Membership.objects.create(
                    alliance_year=p.alliance_years[105],
                    firm=p.firm,
                    entered_kind=MemberKind.COMPANY,
                    counted_kind="company",
                    rule="M2",
                ),
            ),
            "另一個聯盟",
        ),
    ],
)
def test_records_outside_their_year_or_alliance_are_refused(people, ledger, record, message):
    with pytest.raises(services.LedgerError, match=message):
        save(people, record(ledger, people))
    assert RevenueEntry.objects.count() == 0


def test_records_covered_by_an_accepted_filing_change_only_with_a_reason(people, ledger):
    entry = save(people, rev(ledger, "technical_service", firm=people.firm))
    services.coverage_record(
        alliance_year=ledger, through=D(2017, 10, 31), label="106 第一次KPI填報", by=people.office
    )
    entry.amount = 150_000
    with pytest.raises(services.ReasonRequired):
        save(people, entry, expected_version=entry.version)
    assert RevenueEntry.objects.get(pk=entry.pk).amount == 100_000
    entry = RevenueEntry.objects.get(pk=entry.pk)
    entry.amount = 150_000
    saved = services.record_save(record=entry, by=people.pi, reason="發票金額更正")
    assert saved.changed_after_acceptance and saved.change_reason == "發票金額更正"
    # A record dated after the covered period changes freely.
    later = save(people, rev(ledger, "technical_service", firm=people.firm, date=D(2017, 12, 1)))
    assert not later.changed_after_acceptance
    with pytest.raises(services.ReasonRequired):
        services.record_delete(record=saved, by=people.pi)
    services.record_delete(record=saved, by=people.pi, reason="重複登錄")
    from core.models import AuditEvent

    assert (
        AuditEvent.objects.get(action="ledger.revenueentry.deleted_after_acceptance").reason
        == "重複登錄"
    )


def test_records_keep_their_verdict_when_their_firm_is_merged(people, ledger):
    from members.services import firm_merge

    duplicate = Firm.objects.create(name="精密機械（重複）", ubn="10000078")
    m = Membership(alliance_year=ledger, firm=duplicate, entered_kind=MemberKind.COMPANY)
    from members.services import apply_verdict

    apply_verdict(m)
    m.save()
    entry = save(people, rev(ledger, "technology_transfer", firm=duplicate))
    assert entry.counted
    people.membership.delete()  # the survivor was not yet a member this year
    firm_merge(duplicate=duplicate, survivor=people.firm, by=people.office)
    entry.refresh_from_db()
    assert entry.counted and entry.rule == "R6"


def test_r5_a_research_legal_person_is_not_a_firm(people, ledger):
    institute = Firm.objects.create(
        name="研究院", ubn="10000078", entity_type=EntityType.RESEARCH_LEGAL
    )
    entry = save(people, rev(ledger, "technical_service", firm=institute))
    assert (entry.counted, entry.rule) == (False, "R5")


def test_s2_clearing_the_attendees_clears_the_count(people, ledger):
    seminar = save(
        people,
        Activity(alliance_year=ledger, kind="seminar", title="研討會", date=JUNE),
        attendee_firm_ids=[people.firm.pk],
    )
    assert seminar.counted_amount == 1
    seminar = save(people, Activity.objects.get(pk=seminar.pk), attendee_firm_ids=[])
    assert seminar.counted_amount == 0
