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


def test_the_demos_accepted_106_snapshots_reproduce_the_published_tables(db):
    """The official 106 figures are the accepted second filings' snapshots (not the live
    ledger): members_106.csv and revenue_106.csv, cell for cell."""
    from alliance_portal.money import half_up_int
    from alliances.models import Field
    from kpi.filing_selectors import accepted_sums_by_field
    from kpi.models import Filing, FilingState, RevenueEntry

    call_command("load_demo", verbosity=0)
    # Change the live ledger: the official figures must not move.
    RevenueEntry.objects.filter(alliance_year__programme_year__roc_year=106).update(amount=1)
    codes = ["M-COMPANY", "R-RECURRING", "R-TRANSFER", "R-COLLAB"]
    sums = accepted_sums_by_field(106, codes)
    fields = list(Field.objects.order_by("order"))
    members = list(csv.DictReader((REFERENCE / "members_106.csv").open(encoding="utf-8")))
    revenue = list(csv.DictReader((REFERENCE / "revenue_106.csv").open(encoding="utf-8")))
    total_members = sum(s["M-COMPANY"] for s in sums.values())
    grand = dict.fromkeys(["alliances", *codes], 0)
    for field, m_row, r_row in zip(fields, members, revenue, strict=False):
        assert m_row["field_zh"] == r_row["field_zh"] == field.name_zh
        s = sums[field.pk]
        for key in grand:
            grand[key] += s[key]
        assert s["alliances"] == int(m_row["alliances_derived"]), field.name_zh
        assert s["M-COMPANY"] == int(m_row["company_members"]), field.name_zh
        assert half_up_int(s["M-COMPANY"] / s["alliances"]) == int(
            m_row["avg_members_per_alliance"]
        )
        assert half_up_int(100 * s["M-COMPANY"] / total_members) == int(m_row["share_pct"])
        total = s["R-RECURRING"] + s["R-TRANSFER"] + s["R-COLLAB"]
        assert half_up_int(s["R-RECURRING"] / 1000) == int(r_row["recurring_operating"])
        assert half_up_int(s["R-TRANSFER"] / 1000) == int(r_row["tech_transfer"])
        assert half_up_int(s["R-COLLAB"] / 1000) == int(r_row["derived_collaboration"])
        assert half_up_int(total / 1000) == int(r_row["total"]), field.name_zh
        assert half_up_int(total / 1000 / s["alliances"]) == int(r_row["avg_per_alliance"])
    assert members[-1]["field_zh"] == revenue[-1]["field_zh"] == "總計"
    assert grand["alliances"] == int(members[-1]["alliances_derived"])
    assert grand["M-COMPANY"] == int(members[-1]["company_members"])
    grand_total = grand["R-RECURRING"] + grand["R-TRANSFER"] + grand["R-COLLAB"]
    assert half_up_int(grand_total / 1000) == int(revenue[-1]["total"])
    # 106 expected outcomes accepted too; 107 has filings in every state for the office.
    assert (
        not Filing.objects.filter(alliance_year__programme_year__roc_year=106)
        .exclude(state=FilingState.ACCEPTED)
        .exists()
    )
    states_107 = set(
        Filing.objects.filter(alliance_year__programme_year__roc_year=107).values_list(
            "state", flat=True
        )
    )
    assert {"draft", "submitted", "under_review", "returned", "accepted"} <= states_107
