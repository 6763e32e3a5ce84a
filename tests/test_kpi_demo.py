"""The demo ledger: live 106 totals reproduce revenue_106.csv; records that must not count
are there, excluded."""

import csv
from pathlib import Path

from django.core.management import call_command

from kpi import selectors
from kpi.models import Activity, Outcome, RevenueEntry

REFERENCE = Path(__file__).resolve().parent.parent / "alliances" / "reference_tables"


def test_live_106_totals_reproduce_the_published_revenue_table(db):
    call_command("load_demo", verbosity=0)
    published = list(csv.DictReader((REFERENCE / "revenue_106.csv").open(encoding="utf-8")))
    computed = selectors.revenue_by_field(106)
    for mine, theirs in zip(computed, published, strict=True):
        name = mine["field"].name_zh if mine["field"] else "總計"
        assert name == theirs["field_zh"]
        for key, column in [
            ("recurring", "recurring_operating"),
            ("transfer", "tech_transfer"),
            ("collaboration", "derived_collaboration"),
            ("total", "total"),
            ("average", "avg_per_alliance"),
        ]:
            assert mine[key] == int(theirs[column]), (name, key)
    excluded = dict(RevenueEntry.objects.filter(counted=False).values_list("kind", "rule"))
    assert excluded["most_subsidy"] == "R4" and excluded["donated_equipment"] == "R4"
    assert set(
        RevenueEntry.objects.filter(counted=False, kind="technology_transfer").values_list(
            "rule", flat=True
        )
    ) == {"R6"}
    assert RevenueEntry.objects.filter(counted=False, kind="collaboration", rule="R7").exists()
    assert Outcome.objects.filter(counted=False, rule="O2").exists()
    seminar = Activity.objects.get(kind="seminar")
    assert seminar.counted_amount < seminar.full_amount  # a non-member attendee did not count
