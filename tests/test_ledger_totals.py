"""kpi.ledger.totals: both views of the ledger (counted by the rules, and everything
entered) for any number of alliance-years in the same five queries, the one computation
behind the KPI page, the filing check and the snapshot."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import AllianceYear
from kpi.ledger import selectors, services
from kpi.ledger.totals import ledger_totals
from kpi.models import RevenueEntry


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
