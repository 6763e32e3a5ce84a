"""The checks across alliances (issue 28, X1–X6): each check finds what it should and
only that; a run stores the year's findings for the pages; the office sees them on the
review page of each filing concerned and on one programme-wide page, exportable; an
alliance's team sees the findings about itself only, never another alliance's data."""

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assurance import runner
from assurance.checks import (
    x1_shared_contract,
    x2_firm_names,
    x3_fee_outlier,
    x4_revenue_jump,
    x5_many_alliances,
    x6_missing_evidence,
)
from assurance.models import CheckRun, CrossFinding
from kpi.filings.models import FilingKind, SnapshotRecord
from kpi.ledger import services as kpi_services
from tests.cross_check_helpers import UBNS, alliance_year, entry, firm, member, year
from tests.report_helpers import zeros
from workbook_import.sheets.historic import save_figures

pytestmark = pytest.mark.django_db


def found(check, roc_year=106):
    return check.find(year(roc_year))


def test_x1_the_same_contract_in_two_alliances(people):
    a, b, c = (alliance_year(code) for code in ("AAA001", "BBB001", "CCC001"))
    shared = firm("共同科技股份有限公司", UBNS[0])
    for ay in (a, b, c):
        member(ay, shared)
    one = entry(a, "collaboration", 1_500_000, shared, dt.date(2017, 6, 1))
    two = entry(b, "collaboration", 1_500_000, shared, dt.date(2017, 6, 4))
    entry(c, "collaboration", 1_500_000, shared, dt.date(2017, 9, 1))  # months apart: apart
    entry(a, "collaboration", 1_500_000, shared, dt.date(2017, 6, 2))  # the same alliance twice
    entry(c, "technology_transfer", 900_000, shared, dt.date(2017, 6, 2))  # another amount
    result = found(x1_shared_contract)
    pairs = {(f.alliance_year_id, f.other_alliance_year_id) for f in result}
    assert (a.pk, b.pk) in pairs and (b.pk, a.pk) in pairs
    assert all(c.pk not in pair for pair in pairs)
    mine = next(
        f for f in result if f.alliance_year_id == b.pk and one.pk in {r["id"] for r in f.records}
    )
    assert {r["id"] for r in mine.records} == {one.pk, two.pk}


def test_x2_one_ubn_under_two_names(people):
    a, b = alliance_year("AAA001"), alliance_year("BBB001")
    renamed = firm("新名稱股份有限公司", UBNS[1])
    steady = firm("穩定股份有限公司", UBNS[2])
    m_a, m_b = member(a, renamed), member(b, renamed)
    member(a, steady)
    # AAA001's submitted list of 105 carried the firm's old name.
    old = alliance_year("AAA001", roc_year=105)
    version = save_figures(alliance_year=old, values=zeros(), by=None)
    SnapshotRecord.objects.create(
        version=version,
        source=SnapshotRecord.Source.MEMBERSHIP,
        record_id=member(old, renamed).pk,
        kind="company",
        kind_label="廠商會員",
        label="舊名稱有限公司",
    )
    result = found(x2_firm_names)
    assert {f.alliance_year_id for f in result} == {a.pk, b.pk}
    assert {r["id"] for f in result for r in f.records} == {m_a.pk, m_b.pk}
    assert set(result[0].params["names"]) == {"新名稱股份有限公司", "舊名稱有限公司"}
    # Full- and half-width or spacing differences are the same name.
    SnapshotRecord.objects.filter(label="舊名稱有限公司").update(label="新名稱 股份有限公司")
    assert found(x2_firm_names) == []


def fees_of_a_field(fees, field="ict"):
    """One alliance-year of the field per fee per company member (one member each)."""
    years = []
    for i, fee in enumerate(fees):
        ay = alliance_year(f"{field.upper()}{i:03d}", field=field)
        m = member(ay, firm(f"{field}會員{i}股份有限公司", f"{field[0]}{i + 1:07d}"), fee)
        if fee:
            entry(ay, "membership_fee", fee, m.firm, membership=m)
        years.append(ay)
    return years


def test_x3_a_fee_far_outside_the_fields_range(people):
    years = fees_of_a_field([20_000, 25_000, 30_000, 35_000, 40_000, 45_000, 900_000, 0])
    result = {f.alliance_year_id: f.params for f in found(x3_fee_outlier)}
    assert set(result) == {years[6].pk, years[7].pk}
    assert result[years[6].pk]["above"] is True and result[years[7].pk]["fee"] == 0
    assert result[years[6].pk]["median"] == 35_000  # of the paying ones


def test_x3_a_wide_but_even_spread_is_no_outlier_and_few_peers_no_range(people, settings):
    """Fees spread over orders of magnitude, as the published bands are, judge nobody."""
    fees_of_a_field([3_000, 8_000, 20_000, 50_000, 120_000, 300_000])
    assert found(x3_fee_outlier) == []
    settings.CROSS_CHECKS = {"FEE_MIN_PEERS": 10}
    fees_of_a_field([20_000, 25_000, 30_000, 35_000, 900_000], field="elec")
    assert found(x3_fee_outlier) == []


def test_x4_counted_revenue_jumping_against_last_years_accepted_figures(people):
    ay = alliance_year("JUMP01", phase_year=2)
    save_figures(
        alliance_year=alliance_year("JUMP01", roc_year=105, phase_year=1),
        values=zeros(**{"R-OTHER": 100_000}),
        by=None,
    )
    entry(ay, "other_operating", 600_000, payer_name="學員", payer_kind="individual")
    steady = alliance_year("STEADY1", phase_year=2)
    save_figures(
        alliance_year=alliance_year("STEADY1", roc_year=105, phase_year=1),
        values=zeros(**{"R-OTHER": 100_000}),
        by=None,
    )
    entry(steady, "other_operating", 450_000, payer_name="學員", payer_kind="individual")
    result = found(x4_revenue_jump)
    assert [(f.alliance_year_id, f.params["before"], f.params["now"]) for f in result] == [
        (ay.pk, 100_000, 600_000)
    ]


def test_x5_a_firm_in_more_alliances_than_the_setting_allows(people, settings):
    popular = firm("熱門股份有限公司", UBNS[3])
    years = [alliance_year(f"POP00{i}") for i in range(1, 5)]
    for ay in years:
        member(ay, popular)
    result = found(x5_many_alliances)
    assert {f.alliance_year_id for f in result} == {ay.pk for ay in years}
    assert result[0].params["n"] == 4 and len(result[0].params["others"]) == 3
    settings.CROSS_CHECKS = {"MAX_ALLIANCES": 4}
    assert found(x5_many_alliances) == []


def test_x6_large_counted_amounts_without_evidence(people):
    ay = alliance_year("EVI001")
    client_firm = firm("客戶股份有限公司", UBNS[4])
    bare = entry(ay, "technical_service", 800_000, client_firm)
    small = entry(ay, "technical_service", 100_000, client_firm)
    proven = entry(ay, "technical_service", 900_000, client_firm)
    kpi_services.evidence_add(
        record=proven, upload=ContentFile(b"%PDF-1.4\n", name="invoice.pdf"), by=people.office
    )
    result = found(x6_missing_evidence)
    assert [(f.alliance_year_id, [r["id"] for r in f.records]) for f in result] == [
        (ay.pk, [bare.pk])
    ]
    assert small.pk not in {r["id"] for f in result for r in f.records}


def shared_contract(people):
    """The fixture's alliance (MECH001) and another claim the same collaboration."""
    mine = people.alliance_years[106]
    theirs = alliance_year("OTHER01", field="civil")
    shared = firm("共同科技股份有限公司", UBNS[0])
    member(mine, shared)
    member(theirs, shared)
    entry(mine, "collaboration", 450_000, shared, dt.date(2017, 6, 1))
    entry(theirs, "collaboration", 450_000, shared, dt.date(2017, 6, 3))
    run = CheckRun.objects.create(programme_year=year(), trigger=CheckRun.Trigger.OFFICE)
    runner.run_year(run)
    return mine, theirs


def test_a_run_replaces_the_years_findings(people):
    mine, theirs = shared_contract(people)
    assert CrossFinding.objects.filter(check_id="X1").count() == 2
    run = CheckRun.objects.create(programme_year=year(), trigger=CheckRun.Trigger.NIGHTLY)
    runner.run_year(run)
    assert CrossFinding.objects.filter(check_id="X1").count() == 2  # not four
    assert CheckRun.objects.get(pk=run.pk).status == CheckRun.Status.FINISHED


def test_the_office_sees_both_sides_on_the_review_page_and_the_team_only_its_own(client, people):
    mine, theirs = shared_contract(people)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(people.office)
    review = client.get(f"/alliances/{people.alliance.pk}/filings/106/second/review/")
    html = review.content.decode()
    assert "X1" in html and "OTHER01" in html
    assert f"/alliances/{theirs.alliance_id}/ledger/106/revenue/" in html  # the other side
    client.force_login(people.pi)
    page = client.get(f"/alliances/{people.alliance.pk}/filings/106/second/").content.decode()
    assert "X1" in page and "also claimed by another alliance" in page
    assert "OTHER01" not in page and f"/alliances/{theirs.alliance_id}/" not in page
    client.force_login(people.other_pi)  # the other alliance's PI: its own finding, not ours
    other = client.get(f"/alliances/{theirs.alliance_id}/filings/106/second/")
    assert other.status_code == 404 or "MECH001" not in other.content.decode()


def test_the_programme_wide_page_counts_per_check_and_field_and_exports(client, people):
    shared_contract(people)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(people.viewer)
    html = client.get("/office/cross-checks/106/").content.decode()
    assert "2 findings in all" in html and "MECH001" in html and "OTHER01" in html
    only_civil = client.get("/office/cross-checks/106/?field=civil").content.decode()
    assert 'review/">OTHER01</a>' in only_civil and 'review/">MECH001</a>' not in only_civil
    sheet = client.get("/office/cross-checks/106/findings.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(sheet.content)).active.values)
    assert [r[0] for r in rows[1:]] == ["X1", "X1"] and {r[3] for r in rows[1:]} == {
        "MECH001",
        "OTHER01",
    }
    for who in (people.pi, people.reviewer, people.assistant):
        client.force_login(who)
        assert client.get("/office/cross-checks/106/").status_code == 404
        assert client.get("/office/cross-checks/106/findings.xlsx").status_code == 404


def test_the_programme_wide_page_reads_a_fixed_number_of_queries(client, people):
    client.force_login(people.office)
    counts = []
    for n in (1, 4):
        for i in range(n):
            code = f"Q{len(counts)}{i:03d}"
            a, b = alliance_year(code + "A"), alliance_year(code + "B")
            shared = firm(f"{code}股份有限公司", f"{len(counts)}{i:07d}")
            member(a, shared)
            member(b, shared)
            entry(a, "collaboration", 1_000_000, shared)
            entry(b, "collaboration", 1_000_000, shared)
        runner.run_year(CheckRun.objects.create(programme_year=year(), trigger="office"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/office/cross-checks/106/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db(transaction=True)
def test_a_submission_queues_the_years_checks_once(people, worker):
    from kpi.filings import selectors as filing_selectors
    from tests.filing_helpers import submitted_first_filing

    submitted_first_filing(people)
    runs = CheckRun.objects.filter(programme_year__roc_year=106)
    assert runs.count() == 1 and runs.get().trigger == CheckRun.Trigger.SUBMISSION
    worker()
    assert runs.get().status == CheckRun.Status.FINISHED
    assert filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST).state
