"""kpi.ledger.totals: both views of the ledger (counted by the rules, and everything
entered) for any number of alliance-years in the same five queries, the one computation
behind the KPI page, the filing check and the snapshot."""

from datetime import date as D

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import AllianceYear
from kpi.ledger import selectors, services
from kpi.ledger.totals import ledger_totals
from kpi.models import Activity, Outcome, RevenueEntry
from members.models import Firm, MemberKind, Membership
from members.services import apply_verdict


def _save(people, ay, kind, amount, **fields):
    entry = RevenueEntry(
        alliance_year=ay, kind=kind, amount=amount, date=ay.programme_year.starts_on, **fields
    )
    return services.record_save(record=entry, by=people.pi)


def test_both_views_of_every_alliance_year_in_five_queries(people):
    ay = people.alliance_years[106]
    ay.phase, ay.collaboration_weight = 2, 30
    ay.save()
    RevenueEntry.objects.filter(alliance_year=ay).delete()
    _save(people, ay, "membership_fee", 30_000, membership=people.membership)
    excluded = _save(
        people, ay, "technical_service", 200_000, firm=people.firm, freely_usable=False
    )
    assert not excluded.counted
    _save(people, ay, "collaboration", 1_000_000, firm=people.firm)

    with CaptureQueriesContext(connection) as one:
        mine = ledger_totals([ay])[ay.pk]
    everyone = list(AllianceYear.objects.select_related("programme_year"))
    assert len(everyone) > 1
    with CaptureQueriesContext(connection) as many:
        all_years = ledger_totals(everyone)
    assert len(one) == len(many) == 5
    assert all_years[ay.pk] == mine

    counted, entered = mine.counted["revenue"], mine.entered["revenue"]
    assert (counted["membership_fees"], counted["technical_service"]) == (30_000, 0)
    assert (counted["collaboration_full"], counted["collaboration_counted"]) == (1_000_000, 300_000)
    assert counted["total_counted"] == 330_000  # R1 with R8's 30%
    assert entered["technical_service"] == 200_000  # excluded, still entered
    assert entered["total_counted"] == entered["total_full"] == 1_230_000
    assert entered["self_sufficiency"] is None
    # The one-alliance-year readers are views of the same computation.
    assert selectors.alliance_year_totals(ay) == mine.counted
    assert selectors.alliance_year_totals(ay, counted_only=False) == mine.entered
    assert selectors.revenue_totals(ay) == {
        k: v for k, v in counted.items() if k != "self_sufficiency"
    }
    assert mine.counted["members"]["company"] == mine.entered["members"]["company"] == 1
    assert mine.counted["members"]["new_company"] == selectors.new_company_members(ay)


def _member(ay, firm):
    membership = Membership(
        alliance_year=ay,
        firm=firm,
        entered_kind=MemberKind.COMPANY,
        annual_fee=30_000,
        contact_name="王經理",
        contact_email="wang@firm.example.com",
    )
    apply_verdict(membership)
    membership.save()
    return membership


def test_outcomes_activities_members_and_a_period_in_both_views(people):
    ay, last_year = people.alliance_years[106], people.alliance_years[105]
    outsider = Firm.objects.create(name="非會員公司", ubn="04595257")
    for firm in (people.firm, outsider):  # O1: only a company member's product counts
        services.record_save(
            record=Outcome(
                alliance_year=ay, kind="new_product", firm=firm, title="成果", date=D(2017, 8, 1)
            ),
            by=people.pi,
        )
    seminar = Activity(
        alliance_year=ay, kind="seminar", title="研討會", date=D(2017, 9, 1), other_attendees=5
    )
    services.record_save(  # S2: 7 attendees, 1 of them from a company member
        record=seminar, by=people.pi, attendee_firm_ids=[people.firm.pk, outsider.pk]
    )
    _member(last_year, people.firm)  # last year's company member: not new (P1)
    _member(ay, Firm.objects.create(name="新會員公司", ubn="24549210"))

    both = ledger_totals([ay, last_year])
    counted, entered = both[ay.pk].counted, both[ay.pk].entered
    assert (counted["outcomes"]["new_product"], entered["outcomes"]["new_product"]) == (1, 2)
    assert (counted["activities"]["seminar"], entered["activities"]["seminar"]) == (1, 1)
    assert counted["activities"]["seminar_attendees"] == 1
    assert entered["activities"]["seminar_attendees"] == 7
    assert counted["members"]["company"] == entered["members"]["company"] == 2
    assert counted["members"]["new_company"] == entered["members"]["new_company"] == 1
    assert both[last_year.pk].counted["members"]["new_company"] == 1  # no year before 105

    # A first filing's period: records dated after it are left out of both views.
    period = ledger_totals([ay], through=D(2017, 8, 15))[ay.pk]
    assert period.counted["activities"]["seminar"] == period.entered["activities"]["seminar"] == 0
    assert period.entered["outcomes"]["new_product"] == 2
