"""The API's answers: what each resource holds (verdicts and rules, accepted figures, no
private contacts), one fixed page size, the report tables equal to the report pages', a
rate per token, ETags, and the schema and documentation served from the portal itself."""

import re

import pytest
from django.core.cache import cache

from accounts.services import api_token_create
from kpi.ledger import services as kpi_services
from kpi.models import RevenueEntry
from reports import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def pi_get(client, people):
    _token, raw = api_token_create(user=people.pi, name="test", days=30)

    def get(path, **headers):
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)

    return get


@pytest.fixture
def office_get(client, people):
    _token, raw = api_token_create(user=people.office, name="test", days=30)

    def get(path, **headers):
        return client.get(path, HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)

    return get


def test_members_come_without_their_contact_persons(people, pi_get):
    body = pi_get(f"/api/v1/alliances/{people.alliance.code}/years/106/members/").json()
    (member,) = body["results"]
    assert member["firm"]["ubn"] == "22099131"
    assert member["counted_kind"] == "company" and member["rule"] == "M2"
    assert member["explanation"]
    text = str(body)
    assert "王經理" not in text and "wang@firm.example.com" not in text
    assert "contact" not in text


def test_ledger_records_carry_their_verdict_and_rule(people, pi_get):
    body = pi_get(f"/api/v1/alliances/{people.alliance.code}/years/106/ledger/revenue/").json()
    (record,) = body["results"]
    entry = RevenueEntry.objects.get(pk=people.entry.pk)
    assert record["id"] == entry.pk and record["amount"] == 120_000
    assert record["counted"] is entry.counted and record["counted_amount"] == entry.counted_amount
    assert record["rule"] == entry.rule and record["rule"]
    assert entry.rule in record["explanation"]
    assert record["evidence_files"] == 1


def test_filings_carry_the_accepted_versions_figures_and_audit_records_their_numbers(
    official, pi_get
):
    people = official
    base = f"/api/v1/alliances/{people.alliance.code}/years/106/"
    filings = {f["kind"]: f for f in pi_get(base + "filings/").json()["results"]}
    assert filings["second"]["state"] == "accepted"
    items = {i["code"]: i for i in filings["second"]["accepted_version"]["items"]}
    assert items["M-COMPANY"]["counted"] == 12 and items["R-FEE"]["counted"] == 240_000
    assert items["R-FEE"]["unit"] == "ntd"
    assert filings["first"]["accepted_version"]["number"] == 1  # no findings: accepted
    assert filings["expected"]["state"] == "submitted"
    assert filings["expected"]["accepted_version"] is None
    records = pi_get(base + "audit-records/").json()["results"]
    assert [r["number"] for r in records] == ["106-1-001"]
    assert records[0]["pdf_url"].endswith(".pdf")


def test_lists_come_in_pages_of_one_fixed_size(people, pi_get):
    ay = people.alliance_years[106]
    for n in range(60):
        kpi_services.record_save(
            record=RevenueEntry(
                alliance_year=ay,
                kind="technical_service",
                amount=1000 + n,
                firm=people.firm,
                date=people.entry.date,
                description=f"服務 {n}",
            ),
            by=people.pi,
        )
    base = f"/api/v1/alliances/{people.alliance.code}/years/106/ledger/revenue/"
    first = pi_get(base + "?page_size=1000").json()
    assert first["count"] == 61 and len(first["results"]) == 50
    second = pi_get(first["next"].split("testserver")[1]).json()
    assert len(second["results"]) == 11 and second["next"] is None
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 61
    beyond = pi_get(base + "?page=9")
    assert beyond.status_code == 404


def test_report_tables_are_the_report_pages_figures(official, office_get):
    fields = office_get("/api/v1/reports/106/fields/").json()
    page_rows = selectors.official_field_report(106)
    assert [r["company_members"] for r in fields["rows"]] == [r.members for r in page_rows]
    assert [r["total_revenue"] for r in fields["rows"]] == [r.total for r in page_rows]
    assert fields["rows"][-1]["field"] is None and fields["rows"][-1]["company_members"] == 16

    report = selectors.self_sufficiency_report(106)
    body = office_get("/api/v1/reports/106/self-sufficiency/").json()
    by_code = {a["code"]: a for a in body["alliances"]}
    for row in report.rows:
        mine = by_code[row.fig.ay.alliance.code]
        assert mine["ratio"] == row.ratio
        assert [f["rule"] for f in mine["flags"]] == [f.rule for f in row.flags]
    bands = office_get("/api/v1/reports/fee-bands/?from=105&to=106").json()
    assert bands["rows"][-1]["total"] == 2  # both alliance-years of 106 have members


def test_a_pi_sees_only_their_own_alliance_named_in_a_report(official, pi_get):
    people = official
    body = pi_get("/api/v1/reports/106/self-sufficiency/").json()
    assert [a["code"] for a in body["alliances"]] == [people.alliance.code]
    assert body["alliances_not_shown"] == 1
    assert body["fields"][-1]["alliances"] == 2  # the aggregates count everyone


def test_a_bad_span_is_a_clear_400(official, office_get):
    response = office_get("/api/v1/reports/fee-bands/?from=106&to=104")
    assert response.status_code == 400
    assert "起始年度不可晚於結束年度" in response.json()["detail"]
    assert office_get("/api/v1/reports/fee-bands/?from=x").status_code == 400
    assert office_get("/api/v1/reports/99/fields/").status_code == 404


def test_report_answers_carry_an_etag_and_answer_304_when_unchanged(official, office_get):
    url = "/api/v1/reports/106/fields/"
    first = office_get(url)
    tag = first["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    again = office_get(url, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304 and again.content == b""
    assert office_get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    weak = office_get(url, HTTP_IF_NONE_MATCH=f'"other", W/{tag}')
    assert weak.status_code == 304  # If-None-Match compares weakly (RFC 9110)
    # A figure changes: so does the tag.
    from workbook_import.sheets.historic import save_figures

    other_106 = official.other_alliance.years.get(programme_year__roc_year=106)
    save_figures(alliance_year=other_106, values={"M-COMPANY": 9}, by=None)
    changed = office_get(url, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag


def test_each_token_has_its_own_rate(client, people, monkeypatch):
    from api.throttling import TokenRateThrottle

    cache.clear()
    _t1, first = api_token_create(user=people.pi, name="one", days=30)
    _t2, second = api_token_create(user=people.pi, name="two", days=30)
    # The rates are read when DRF's settings load; this test's rate: 3 a minute.
    rates = {**TokenRateThrottle.THROTTLE_RATES, "api_token": "3/minute"}
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", rates)
    codes = [
        client.get("/api/v1/alliances/", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
        for _ in range(4)
    ]
    other = client.get("/api/v1/alliances/", HTTP_AUTHORIZATION=f"Bearer {second}")
    limited = client.get("/api/v1/alliances/", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert codes == [200, 200, 200, 429]
    assert other.status_code == 200  # another token is counted apart
    assert int(limited["Retry-After"]) > 0
    assert "秒" in limited.json()["detail"] or "seconds" in limited.json()["detail"]
    cache.clear()


def test_the_schema_and_its_documentation_come_from_the_portal_itself(client, people):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/v1/alliances/",
        "/api/v1/alliances/{code}/years/{year}/ledger/{kind}/",
        "/api/v1/reports/{year}/self-sufficiency/",
    ):
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "swagger-ui" in html
    from django.conf import settings
    from django.contrib.staticfiles import finders

    script = [s for s in sources if s.startswith("/api/v1/docs/")]
    assert len(script) == 1  # its start-up script, a file of its own (the CSP allows no inline)
    started = client.get(script[0])
    assert started.status_code == 200 and "SwaggerUIBundle" in started.content.decode()
    for source in set(sources) - set(script):  # every other file is a static file of ours
        assert source.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        ), source
        name = source.split("?")[0].split("/static/", 1)[1]
        assert finders.find(name), source


def test_refused_tokens_are_slowed_down_per_address_and_good_ones_never(
    client, people, monkeypatch
):
    from api.throttling import RefusedTokenThrottle

    cache.clear()
    monkeypatch.setattr(
        RefusedTokenThrottle,
        "THROTTLE_RATES",
        {**RefusedTokenThrottle.THROTTLE_RATES, "api_refused": "3/minute"},
    )
    codes = [
        client.get("/api/v1/alliances/", HTTP_AUTHORIZATION=f"Bearer ap_guess{n}_x").status_code
        for n in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    _token, raw = api_token_create(user=people.pi, name="good", days=30)
    assert client.get("/api/v1/alliances/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    # Another address is counted apart; X-Forwarded-For is not believed without a proxy.
    spoofed = client.get(
        "/api/v1/alliances/",
        HTTP_AUTHORIZATION="Bearer ap_guess9_x",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert spoofed.status_code == 429
    elsewhere = client.get(
        "/api/v1/alliances/", HTTP_AUTHORIZATION="Bearer ap_guess9_x", REMOTE_ADDR="10.1.1.1"
    )
    assert elsewhere.status_code == 401
    cache.clear()


def test_the_api_only_reads(client, people, pi_get):
    _token, raw = api_token_create(user=people.pi, name="write", days=30)
    url = f"/api/v1/alliances/{people.alliance.code}/years/106/members/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    for method in (client.post, client.put, client.patch, client.delete, client.options):
        assert method(url, **auth).status_code == 405, method
    assert pi_get(url).status_code == 200
    assert pi_get(url + "?format=api").status_code == 404  # JSON only: no browsable pages


def test_report_queries_do_not_grow_with_alliances_named(official, office_get):
    """The fee bands' list of alliance-years without company members, and the
    self-sufficiency rows, cost the same queries for 1 alliance as for 5."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.report_helpers import alliance_with_figures, zeros

    urls = ["/api/v1/reports/fee-bands/?from=105&to=106", "/api/v1/reports/106/self-sufficiency/"]

    def counts():
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert office_get(url).status_code == 200
            result.append(len(captured))
        return result

    alliance_with_figures("CHEM101", field="chem", year=106, **zeros())
    office_get("/api/v1/alliances/")  # the token's first use records it; not measured
    one = counts()
    for n in range(2, 6):
        alliance_with_figures(f"CHEM10{n}", field="chem", year=106, **zeros())
    assert counts() == one
    body = office_get(urls[0]).json()
    assert len(body["without_company_members"]) == 5
    assert {a["field"] for a in body["without_company_members"]} == {"chem"}


def test_a_returned_filing_has_the_one_correction_deadline(people, pi_get):
    import time_machine

    from kpi.filings.selectors import correction_deadline
    from tests.review_helpers import REVIEW_DAY, office_returns, reviewing

    version = reviewing(people)
    with time_machine.travel(REVIEW_DAY, tick=False):
        office_returns(people, version.filing)
    version.filing.refresh_from_db()
    expected = correction_deadline(version.filing)
    assert expected is not None
    base = f"/api/v1/alliances/{people.alliance.code}/years/106/filings/"
    first = {f["kind"]: f for f in pi_get(base).json()["results"]}["first"]
    assert first["state"] == "returned"
    assert first["correction_due"] == expected.isoformat()
