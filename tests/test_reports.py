"""Reports (domain.md §7) on hand-built cases: fee-band edges, a firm in two alliances, an
alliance without company members, a phase-2 collaboration (full in the revenue table, at
its weight in self-sufficiency); bad input; who sees which alliance; bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.models import AllianceYear, Field, FieldTarget, ProgrammeYear
from reports import figures, selectors
from tests.report_helpers import alliance_with_figures as _alliance
from tests.report_helpers import zeros as _zeros
from workbook_import.sheets.historic import save_figures


def test_fee_band_edges_and_an_alliance_without_company_members(db):
    _alliance("A01", **_zeros(**{"M-COMPANY": 2, "R-FEE": 11_000}))  # 5.5 → 6: band 6-10
    _alliance("A02", **_zeros(**{"M-COMPANY": 2, "R-FEE": 121_000}))  # 60.5 → 61: band 61+
    _alliance("A03", **_zeros(**{"M-COMPANY": 2, "R-FEE": 10_998}))  # 5.499 → 5: band 0-5
    _alliance("A04", **_zeros(**{"M-COMPANY": 0, "R-FEE": 50_000}))  # apart
    result = selectors.fee_bands(figures.official(106), 106, 106)
    total = result.rows[-1]
    assert total.counts == {"6-10": 1, "61+": 1, "0-5": 1}
    assert [f.alliance.code for f in result.without_members] == ["A04"]
    assert result.under_10k_share == 67  # 2 of 3, half up
    assert [result.shares[0], result.shares[1], result.shares[-1]] == [33, 33, 33]


def test_a_firm_in_two_alliances_counts_in_both(people):
    """Membership is counted per alliance: the fixture's firm joins the other alliance too."""
    from members.models import MemberKind, Membership
    from members.services import apply_verdict

    other_ay = AllianceYear.objects.get(
        alliance=people.other_alliance, programme_year__roc_year=106
    )
    membership = Membership(
        alliance_year=other_ay,
        firm=people.firm,
        entered_kind=MemberKind.COMPANY,
        annual_fee=20_000,
        contact_name="王經理",
        contact_email="wang@firm.example.com",
    )
    apply_verdict(membership)
    membership.save()
    rows = selectors.field_report(figures.live(106), 106)
    by_field = {r.field.code: r.members for r in rows if r.field}
    assert by_field["mech"] == 1 and by_field["civil"] == 1 and rows[-1].members == 2


def test_phase_two_collaboration_is_full_in_revenue_and_weighted_in_self_sufficiency(db):
    ay = _alliance(
        "B01",
        phase=2,
        phase_year=3,
        subsidy=1_000_000,
        **_zeros(**{"M-COMPANY": 5, "R-COLLAB": 1_000_000, "R-SERVICE": 100_000}),
    )
    assert ay.collaboration_weight == 30
    data = figures.official(106)
    row = next(r for r in selectors.field_report(data, 106) if r.field and r.alliances)
    assert row.collaboration_k == 1000 and row.total_k == 1100
    [ss] = selectors.self_sufficiency(data)
    assert ss.ratio == 40  # (100,000 + 30% of 1,000,000) ÷ 1,000,000
    assert any(f.rule == "R10" and f.ok is False for f in ss.flags)  # below 80% at 2-3


def test_bad_spans_and_years_answer_with_a_message(client, people):
    client.force_login(people.office)
    backwards = client.get("/reports/fee-bands/?from=106&to=102")
    assert backwards.status_code == 400 and "倒" in backwards.content.decode()
    wide = client.get("/reports/fee-bands/?from=80&to=106")
    assert wide.status_code == 400 and "20" in wide.content.decode()
    unknown = client.get("/reports/fee-bands/?from=99&to=106")
    assert unknown.status_code == 400 and "99" in unknown.content.decode()
    words = client.get("/reports/fee-bands/?from=abc")
    assert words.status_code == 400
    assert client.get("/reports/150/")["Location"] == "/reports/"
    empty = client.get("/reports/105/").content.decode()
    assert "尚無正式數據" in empty or "沒有正式數據" in empty


def _two_field_year(people):
    _alliance("OTHER9", field="mech", **_zeros(**{"M-COMPANY": 9, "R-FEE": 90_000}))
    _alliance("OTHER9", year=105, **_zeros(**{"M-COMPANY": 8, "R-FEE": 80_000}))
    mine = people.alliance_years[106]
    save_figures(alliance_year=mine, values=_zeros(**{"M-COMPANY": 3, "R-FEE": 30_000}), by=None)


REPORT_PAGES = [
    "/reports/106/",
    "/reports/106/fields/mech/",
    "/reports/106/fields/mech/?source=live",
    "/reports/106/?source=submitted",
    "/reports/fee-bands/?from=106&to=106",
    "/reports/fee-bands/alliances/?from=106&to=106",
    "/reports/fee-bands/alliances/?from=106&to=106&band=6-10&field=mech",
    "/reports/106/self-sufficiency/",
    "/reports/106/targets/",
]


def test_a_pi_sees_no_other_alliance_in_any_report(client, people):
    _two_field_year(people)
    client.force_login(people.pi)
    for url in REPORT_PAGES:
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200, url
        assert "OTHER9" not in html, url
        assert people.other_alliance.name_zh not in html, url
    # The field's figures still include the other alliance: 12 members, one named.
    html = client.get("/reports/106/").content.decode()
    assert ">12<" in html and people.alliance.name_zh in html
    client.force_login(people.office)
    assert "OTHER9" in client.get("/reports/106/fields/mech/").content.decode()
    # A reviewer sees the aggregates; alliances only once assigned to them (site visits).
    client.force_login(people.reviewer)
    for url in REPORT_PAGES:
        html = client.get(url).content.decode()
        assert "OTHER9" not in html and people.alliance.name_zh not in html, url
    assert ">12<" in client.get("/reports/106/").content.decode()
    # Assigned to the alliance's site visit, the reviewer sees it named — and only it.
    from tests.visit_helpers import schedule

    schedule(people)
    drill = client.get("/reports/106/fields/mech/").content.decode()
    assert people.alliance.name_zh in drill and "OTHER9" not in drill
    client.force_login(people.other_reviewer)
    assert people.alliance.name_zh not in client.get("/reports/106/fields/mech/").content.decode()


def test_assistants_and_outsiders_get_no_reports(client, people):
    for user in (people.assistant, people.outsider, people.pending):
        client.force_login(user)
        assert client.get("/reports/106/").status_code == 404


@pytest.mark.parametrize("url", REPORT_PAGES)
def test_report_pages_run_the_same_queries_for_ten_times_the_data(client, people, url):
    _two_field_year(people)
    client.force_login(people.office)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(20):
        _alliance(
            f"MORE{n:02d}",
            field="ict" if n % 2 else "mech",
            **_zeros(**{"M-COMPANY": n, "R-FEE": 1_000 * n}),
        )
        _alliance(f"MORE{n:02d}", year=105, **_zeros(**{"M-COMPANY": n, "R-FEE": 1_000 * n}))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


def test_provisional_figures_are_marked(client, people):
    client.force_login(people.office)
    html = client.get("/reports/106/?source=live").content.decode()
    assert "暫定" in html


def test_every_figure_of_a_field_leads_to_its_alliances_and_p2_is_checked(client, people):
    _two_field_year(people)
    client.force_login(people.office)
    html = client.get("/reports/106/").content.decode()
    drill = "/reports/106/fields/mech/"
    # members: alliances, members, average, share; revenue: five figures — per table row
    assert html.count(f'href="{drill}"') == 9
    assert 'href="/reports/106/fields/civil/"' not in html  # no figures, no link
    from kpi.ledger import flags

    ay = AllianceYear.objects.get(alliance__code="OTHER9", programme_year__roc_year=106)
    ay.phase = 2
    ay.save()
    data = [f for f in figures.official(106) if f.ay.pk == ay.pk]
    [row] = selectors.self_sufficiency(data, {ay.pk: flags.Basis(floor=20)})
    p2 = next(f for f in row.flags if f.rule == "P2")
    assert p2.ok is False and "20" in p2.message
    assert flags.P1_NEW_MEMBERS == 3


def test_an_unknown_year_answers_with_a_message(client, people):
    client.force_login(people.office)
    response = client.get("/reports/150/", follow=True)
    assert "沒有 150 計畫年度" in response.content.decode()


def test_the_self_sufficiency_trend_follows_each_field_over_the_years(db):
    _alliance("T01", year=105, subsidy=1_000_000, **_zeros(**{"R-SERVICE": 200_000}))
    _alliance("T01", year=106, subsidy=1_000_000, **_zeros(**{"R-SERVICE": 500_000}))
    _alliance("T02", year=106, subsidy=1_000_000, **_zeros(**{"R-SERVICE": 300_000}))
    trend = selectors.trend(figures.official(102, 106), 102, 106)
    mech = next(r for r in trend["rows"] if r["field"].code == "mech")
    assert trend["years"] == [102, 103, 104, 105, 106]
    assert mech["cells"] == [None, None, None, 20, 40]  # 2017: (500k + 300k) ÷ 2,000k


def test_programme_targets_compare_members_and_fee_per_firm(client, people):
    _two_field_year(people)
    client.force_login(people.office)
    html = client.get("/reports/106/targets/").content.decode()
    assert "12 / 2000" in html  # company members against the programme target
    assert "NT$10,000 / NT$100,000" in html  # NT$120,000 ÷ 12 firms against the target
    bands = client.get("/reports/fee-bands/alliances/?from=106&to=106&band=6-10").content
    assert "OTHER9" in bands.decode() and "10</td>" in bands.decode()


def test_the_field_sums_added_up_in_sql_equal_the_figures_added_up_in_python(db):
    """figures.official_field_sums (one SQL statement, for speed) against the figures
    themselves: only the last version of an accepted second filing counts, fields without
    one are absent, and a year's neighbours do not leak in."""
    ay = _alliance("S01", **_zeros(**{"M-COMPANY": 3, "R-FEE": 30_000, "R-COLLAB": 500}))
    save_figures(alliance_year=ay, values=_zeros(**{"M-COMPANY": 7, "R-TRANSFER": 9}), by=None)
    _alliance("S02", field="ict", **_zeros(**{"M-COMPANY": 2, "R-SERVICE": 4_000}))
    _alliance("S03", field="ict", year=105, **_zeros(**{"M-COMPANY": 50}))
    sums = figures.official_field_sums(106)
    assert sums == selectors.field_sums(figures.official(106))
    assert sums[ay.alliance.field_id] == {
        "alliances": 1, "members": 7, "recurring": 0, "transfer": 9, "collaboration": 0
    }  # fmt: skip
    assert sum(s["alliances"] for s in sums.values()) == 2
    assert figures.official_field_sums(104) == {}
    # A snapshot without the counted items still counts its alliance, as the figures do.
    from kpi.models import SnapshotItem

    SnapshotItem.objects.filter(
        version__filing__alliance_year__alliance__code="S02", code__in=["M-COMPANY", "R-TRANSFER"]
    ).delete()
    assert figures.official_field_sums(106) == selectors.field_sums(figures.official(106))


def test_the_field_report_in_one_statement_equals_the_report_added_up_in_python(db):
    """selectors.official_field_report (the page's one SQL statement: fields, sums and both
    years' targets) gives the same rows as the report computed from the figures."""
    ay = _alliance("S01", **_zeros(**{"M-COMPANY": 3, "R-FEE": 30_000, "R-COLLAB": 500}))
    save_figures(alliance_year=ay, values=_zeros(**{"M-COMPANY": 7, "R-TRANSFER": 9}), by=None)
    _alliance("S02", field="ict", **_zeros(**{"M-COMPANY": 2, "R-SERVICE": 4_000}))
    _alliance("S03", field="ict", year=105, **_zeros(**{"M-COMPANY": 50}))
    year = ay.programme_year
    FieldTarget.objects.create(programme_year=year, field=ay.alliance.field, company_members=40)
    following = ProgrammeYear.objects.create(roc_year=107, **ProgrammeYear.calendar_defaults(107))
    FieldTarget.objects.create(
        programme_year=following, field=ay.alliance.field, company_members=45
    )
    rows = selectors.official_field_report(106)
    assert rows == selectors.field_report(figures.official(106), 106)
    mine = next(r for r in rows if r.field == ay.alliance.field)
    assert (mine.alliances, mine.members, mine.transfer) == (1, 7, 9)
    assert (mine.target, mine.next_target, mine.reached) == (40, 45, 18)
    assert rows[-1].alliances == 2 and rows[-1].target == 40
    assert [r.field for r in rows[:-1]] == list(Field.objects.order_by("order"))
    assert selectors.official_field_report(104)[-1].alliances == 0


def test_a_span_read_as_columns_tallies_as_the_figures_do(db):
    """figures.official_span (one query of columns, for fee bands and the trend over ten
    years) gives the tallies and the named alliance-years that official() gives."""
    _alliance("S01", **_zeros(**{"M-COMPANY": 3, "R-FEE": 30_000, "R-TOTAL-C": 900_000}))
    _alliance("S01", year=105, **_zeros(**{"M-COMPANY": 2, "R-FEE": 4_000, "R-TOTAL-C": 1}))
    _alliance("S02", field="ict", **_zeros(**{"M-COMPANY": 0, "R-FEE": 7_000}))
    _alliance("S03", field="ict", year=104, **_zeros(**{"M-COMPANY": 9, "R-FEE": 90_000}))
    span = figures.official_span(105, 106, figures.FEE_CODES)
    full = figures.official(105, 106, codes=figures.FEE_CODES)
    assert [(f.ay.pk, f.values, f.version_id) for f in span] == [
        (f.ay.pk, f.values, f.version_id) for f in full
    ]
    bands, expected = selectors.fee_bands(span, 105, 106), selectors.fee_bands(full, 105, 106)
    assert (bands.rows, bands.shares) == (expected.rows, expected.shares)
    named = [
        (f.ay.programme_year.roc_year, f.ay.alliance_id, f.alliance.code, f.alliance.name, f.fees)
        for f in bands.without_members
    ]
    assert named == [
        (106, f.ay.alliance_id, "S02", "S02聯盟", 7_000) for f in expected.without_members
    ]
    trend = selectors.trend(figures.official_span(105, 106, figures.TREND_CODES), 105, 106)
    assert trend == selectors.trend(figures.official(105, 106), 105, 106)
    assert any(cell for row in trend["rows"] for cell in row["cells"])
