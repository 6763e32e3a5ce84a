"""Acceptance 1 of the ledger issue: every rule's counted and excluded case, saved through
the service, is checked in the stored verdict, on the list page (rule id shown) and in the
dashboard total."""

import datetime as dt

import pytest

from kpi.ledger import services
from kpi.models import Activity, Outcome, RevenueEntry
from members.models import Firm

D = dt.date(2017, 6, 1)


def revenue(ay, people, kind, **fields):
    return RevenueEntry(alliance_year=ay, kind=kind, amount=100_000, date=D, **fields)


CASES = [
    # (rule, counted, builder, ledger page, dashboard item, dashboard change). The counted
    # case of R3 (freely usable cash) is shown as counted in recurring revenue, R2.
    (
        "R2",
        True,
        lambda ay, p: revenue(ay, p, "other_operating", payer_kind="individual"),
        "revenue",
        "R-OTHER",
        100_000,
    ),
    (
        "R3",
        False,
        lambda ay, p: revenue(
            ay, p, "other_operating", payer_kind="individual", freely_usable=False
        ),
        "revenue",
        "R-OTHER",
        0,
    ),
    (
        "R4",
        False,
        lambda ay, p: revenue(ay, p, "most_subsidy", payer_kind="government"),
        "revenue",
        "R-TOTAL",
        0,
    ),
    (
        "R5",
        True,
        lambda ay, p: revenue(ay, p, "technical_service", firm=p.outsider_firm),
        "revenue",
        "R-SERVICE",
        100_000,
    ),
    (
        "R5",
        False,
        lambda ay, p: revenue(ay, p, "technical_service", payer_kind="government"),
        "revenue",
        "R-SERVICE",
        0,
    ),
    (
        "R6",
        True,
        lambda ay, p: revenue(ay, p, "technology_transfer", firm=p.firm),
        "revenue",
        "R-TRANSFER",
        100_000,
    ),
    (
        "R6",
        False,
        lambda ay, p: revenue(ay, p, "technology_transfer", firm=p.outsider_firm),
        "revenue",
        "R-TRANSFER",
        0,
    ),
    (
        "R7",
        False,
        lambda ay, p: revenue(ay, p, "collaboration", firm=p.outsider_firm),
        "revenue",
        "R-COLLAB",
        0,
    ),
    (
        "R8",
        True,
        lambda ay, p: revenue(ay, p, "collaboration", firm=p.firm),
        "revenue",
        "R-COLLAB-C",
        30_000,
    ),
    (
        "O1",
        True,
        lambda ay, p: Outcome(
            alliance_year=ay, kind="new_product", title="新品", firm=p.firm, date=D
        ),
        "outcomes",
        "O-PRODUCT",
        1,
    ),
    (
        "O1",
        False,
        lambda ay, p: Outcome(
            alliance_year=ay, kind="new_product", title="新品", firm=p.outsider_firm, date=D
        ),
        "outcomes",
        "O-PRODUCT",
        0,
    ),
    (
        "O2",
        False,
        lambda ay, p: Outcome(
            alliance_year=ay,
            kind="patent_grant",
            title="專利",
            firm=p.firm,
            applicant="university",
            date=D,
        ),
        "outcomes",
        "O-PATENT-G",
        0,
    ),
    (
        "O1",
        True,
        lambda ay, p: Outcome(
            alliance_year=ay, kind="patent_grant", title="專利", firm=p.firm, date=D
        ),
        "outcomes",
        "O-PATENT-G",
        1,
    ),
    (
        "S2",
        True,
        lambda ay, p: Activity(
            alliance_year=ay, kind="seminar", title="研討會", date=D, other_attendees=4
        ),
        "activities",
        "S-ATTEND",
        1,
    ),
]


@pytest.mark.parametrize(("rule", "counted", "build", "ledger_page", "item", "change"), CASES)
def test_rule_case_on_verdict_list_and_dashboard(
    client, people, rule, counted, build, ledger_page, item, change
):
    ay = people.alliance_years[106]
    ay.phase, ay.collaboration_weight = 2, 30  # so R8 shows its weight
    ay.save()
    people.outsider_firm = Firm.objects.create(name="非會員公司", ubn="04595257")
    client.force_login(people.pi)
    dashboard = f"/alliances/{people.alliance.pk}/kpi/106/"

    def value():
        rows = client.get(dashboard).context["rows"]
        return next(r["value"] for r in rows if r["item"].code == item) or 0

    before = value()
    record = build(ay, people)
    attendees = [people.firm.pk, people.outsider_firm.pk] if rule == "S2" else None
    saved = services.record_save(record=record, by=people.pi, attendee_firm_ids=attendees)
    assert (saved.rule, saved.counted) == (rule, counted)
    listing = client.get(
        f"/alliances/{people.alliance.pk}/ledger/106/{ledger_page}/"
    ).content.decode()
    assert f'<strong class="{"ok" if counted else "warn"}">{rule}</strong>' in listing
    assert value() - before == change


def test_recomputation_shows_on_the_dashboard(client, people):
    """A member firm re-entered as a research-type legal person flips its transfer to
    excluded (R6); the dashboard total drops by its amount."""
    from members.models import EntityType
    from members.services import firm_save

    client.force_login(people.pi)
    dashboard = f"/alliances/{people.alliance.pk}/kpi/106/"

    def total():
        rows = client.get(dashboard).context["rows"]
        return next(r["value"] for r in rows if r["item"].code == "R-TOTAL")

    services.record_save(
        record=revenue(people.alliance_years[106], people, "technology_transfer", firm=people.firm),
        by=people.pi,
    )
    before = total()
    people.firm.entity_type = EntityType.RESEARCH_LEGAL
    firm_save(firm=people.firm, by=people.office)
    # The transfer drops out (R6: no longer a company member), and so does the fixture's
    # technical service (R5: a research-type legal person is not a firm).
    assert total() == before - 100_000 - 120_000
