"""Open data (issue 22, point 2): the published tables at fixed public URLs as CSV (UTF-8
with a BOM) and JSON, with the licence and the data date; the same figures as the report
pages; only years whose second filings are all accepted; cacheable for the anonymous;
nothing about a single alliance; linked from the directory and the reports."""

import csv
import datetime as dt
import io
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
from reports import figures, open_data, selectors
from tests.open_data_helpers import PREFIX, accepted_at, publish, values
from tests.report_helpers import alliance_with_figures

pytestmark = pytest.mark.django_db

FIRST, LAST = 98, 102  # the fixture's published years (the people fixture has 105–106)

LICENCE = "政府資料開放授權條款－第1版"
LICENCE_EN = "Open Government Data License, version 1.0"
LICENCE_URL = "https://data.gov.tw/license"


@pytest.fixture
def published(db):
    """Years 98–102 published (four alliances a year in several fields), and 103 with one
    alliance-year accepted and one whose second filing is not."""
    publish(FIRST, LAST)
    with time_machine.travel(accepted_at(LAST + 1), tick=False):
        alliance_with_figures(f"{PREFIX}000", year=LAST + 1, **values(0, LAST + 1))
    AllianceYear.objects.create(
        alliance=Alliance.objects.get(code=f"{PREFIX}001"),
        programme_year=ProgrammeYear.objects.get(roc_year=LAST + 1),
        phase=2,
        phase_year=3,
        subsidy=2_000_000,
        collaboration_weight=30,
    )


def fields_url(year, fmt):
    return reverse(f"open_data_fields_{fmt}", kwargs={"roc_year": year})


def bands_url(first, last, fmt):
    return reverse(f"open_data_fee_bands_{fmt}", kwargs={"first": first, "last": last})


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf"), "no byte order mark: Excel would misread it"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def cell(value) -> str:
    """A figure as the csv module reads it back (an empty field for no value)."""
    return "" if value is None else str(value)


def report_rows(year) -> list[list]:
    """The report page's table of the year (members and revenue), as selectors give it."""
    return [
        [
            row.field.code if row.field else "total",
            row.field.name_zh if row.field else "總計",
            row.field.name_en if row.field else "Total",
            row.alliances,
            row.members,
            row.average_members,
            row.share,
            row.recurring_k,
            row.transfer_k,
            row.collaboration_k,
            row.total_k,
            row.average_k,
        ]
        for row in selectors.official_field_report(year)
    ]


def test_the_fields_csv_has_a_bom_a_chinese_header_and_the_report_pages_figures(client, published):
    for year in range(FIRST, LAST + 1):
        response = client.get(fields_url(year, "csv"))
        assert response.status_code == 200
        assert f'filename="alliance-fields-{year}.csv"' in response["Content-Disposition"]
        header, *rows = read_csv(response)
        assert header[:4] == ["領域代碼", "領域", "領域英文名稱", "聯盟數"]
        assert "經常性營運收入（仟元）" in header and "聯盟總收入（仟元）" in header
        assert rows == [[cell(v) for v in row] for row in report_rows(year)]
        # Every alliance of the year is in the total, as on the report page.
        in_year = AllianceYear.objects.filter(programme_year__roc_year=year).count()
        assert rows[-1][3] == str(in_year)


def test_the_fields_json_has_the_licence_the_data_date_columns_and_the_same_rows(client, published):
    response = client.get(fields_url(LAST, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'
    data = json.loads(response.content)
    assert (data["license"], data["license_en"], data["license_url"]) == (
        LICENCE,
        LICENCE_EN,
        LICENCE_URL,
    )
    assert data["data_date"] == accepted_at(LAST).date().isoformat()  # the day in Taipei
    assert data["roc_year"] == LAST and str(LAST) in data["title"] and data["source"]
    keys = [c["key"] for c in data["columns"]]
    assert keys[:4] == ["field_code", "field", "field_en", "alliances"]
    members = next(c for c in data["columns"] if c["key"] == "company_members")
    assert members["label_zh"] == "廠商會員數" and {"M4", "M5"} <= set(members["rules"])
    assert {c["unit"] for c in data["columns"] if c["key"].endswith("_revenue")} == {"仟元"}
    assert {r["id"] for r in data["rules"]} >= {"M4", "R1", "R2", "R6", "R7", "R8"}
    assert [[row[k] for k in keys] for row in data["rows"]] == report_rows(LAST)
    # The CSV and the JSON are the same table.
    header, *rows = read_csv(client.get(fields_url(LAST, "csv")))
    assert header == [c["label_zh"] for c in data["columns"]]
    assert rows == [[cell(row[k]) for k in keys] for row in data["rows"]]


def test_the_fee_bands_equal_the_report_pages_tally_of_the_span(client, published):
    data = json.loads(client.get(bands_url(FIRST, LAST, "json")).content)
    # The report page's drill-down reads the figures as objects: the same tally.
    bands = selectors.fee_bands(figures.official(FIRST, LAST, codes=figures.FEE_CODES), FIRST, LAST)
    keys = [c["key"] for c in data["columns"]]
    expected = [
        [
            row.field.code if row.field else "total",
            row.field.name_zh if row.field else "總計",
            row.field.name_en if row.field else "Total",
            *row.cells,
            row.total,
        ]
        for row in bands.rows
    ]
    assert [[row[k] for k in keys] for row in data["rows"]] == expected
    assert list(data["band_shares"].values()) == bands.shares
    assert data["under_10k_share"] == bands.under_10k_share
    assert data["alliance_years_without_company_members"] == len(bands.without_members) > 0
    assert (data["first_year"], data["last_year"]) == (FIRST, LAST)
    assert data["data_date"] == accepted_at(LAST).date().isoformat()
    assert data["license"] == LICENCE
    header, *rows = read_csv(client.get(bands_url(FIRST, LAST, "csv")))
    assert header[3:6] == ["0-5仟元", "6-10仟元", "11-15仟元"] and header[-1] == "總計"
    assert rows == [[cell(v) for v in row] for row in expected]
    # Every alliance-year of the span with company members is in one band.
    total = rows[-1]
    with_members = sum(
        1 for f in figures.official(FIRST, LAST, codes=figures.FEE_CODES) if f.members
    )
    assert int(total[-1]) == with_members


def test_only_published_years_and_five_year_spans_exist(client, published):
    # 103: the report page shows its accepted alliance-year as official…
    assert selectors.official_field_report(LAST + 1)[-1].alliances == 1
    # …but not every second filing of 103 is accepted: it is not published.
    missing = [
        fields_url(LAST + 1, "csv"),
        fields_url(LAST + 1, "json"),
        fields_url(FIRST - 1, "json"),  # no such year
        bands_url(FIRST + 1, LAST + 1, "csv"),  # 103 unpublished
        bands_url(FIRST, LAST - 1, "json"),  # four years
        bands_url(FIRST, LAST + 1, "json"),  # six years
        bands_url(LAST, FIRST, "csv"),  # backwards
    ]
    for url in missing:
        assert client.get(url).status_code == 404, url
    catalogue = json.loads(client.get(reverse("open_data_catalogue")).content)
    assert [d["id"] for d in catalogue["datasets"]] == [
        *(f"fields-{y}" for y in range(LAST, FIRST - 1, -1)),
        f"fee-bands-{FIRST}-{LAST}",
    ]

    # The office accepts the last one (here: imports it): 103 and 99–103 are published.
    later = accepted_at(LAST + 1) + dt.timedelta(days=12)
    ay = AllianceYear.objects.get(alliance__code=f"{PREFIX}001", programme_year__roc_year=LAST + 1)
    with time_machine.travel(later, tick=False):
        from workbook_import.sheets.historic import save_figures

        save_figures(alliance_year=ay, values=values(1, LAST + 1), by=None)
    for url in (fields_url(LAST + 1, "csv"), bands_url(FIRST + 1, LAST + 1, "json")):
        assert client.get(url).status_code == 200, url
    data = json.loads(client.get(fields_url(LAST + 1, "json")).content)
    assert data["data_date"] == later.date().isoformat()
    assert data["rows"][-1]["alliances"] == 2


def test_the_data_date_is_the_newest_acceptance_and_a_change_changes_the_etag(client, published):
    url = fields_url(FIRST, "json")
    before = client.get(url)
    assert json.loads(before.content)["data_date"] == accepted_at(FIRST).date().isoformat()
    # A corrected past year: a new imported version of one alliance-year, two years later.
    ay = AllianceYear.objects.get(alliance__code=f"{PREFIX}002", programme_year__roc_year=FIRST)
    corrected = accepted_at(FIRST + 2)
    with time_machine.travel(corrected, tick=False):
        from workbook_import.sheets.historic import save_figures

        save_figures(alliance_year=ay, values=values(2, FIRST) | {"M-COMPANY": 99}, by=None)
    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    data = json.loads(after.content)
    assert data["data_date"] == corrected.date().isoformat()
    assert data["rows"][-1]["company_members"] == selectors.official_field_report(FIRST)[-1].members


@pytest.mark.parametrize(
    "url",
    [
        fields_url(LAST, "csv"),
        fields_url(LAST, "json"),
        bands_url(FIRST, LAST, "csv"),
        bands_url(FIRST, LAST, "json"),
        reverse("open_data_catalogue"),
    ],
)
def test_anonymous_answers_are_cacheable_and_unchanged_data_answers_304(
    client, published, people, url
):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Access-Control-Allow-Origin"] == "*"
    etag = response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and again["Cache-Control"] == "public, max-age=3600"
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # Signed in, nothing is kept by a shared cache (core.middleware.PrivateCacheMiddleware).
    client.force_login(people.pi)
    signed_in = client.get(url)
    assert signed_in.status_code == 200 and signed_in.content == response.content
    assert signed_in["Cache-Control"] == "private, no-store"


def test_nothing_about_a_single_alliance_is_published(client, published, people):
    alliances = list(Alliance.objects.all())
    assert len(alliances) > 4
    catalogue = json.loads(client.get(reverse("open_data_catalogue")).content)
    urls = [reverse("open_data_catalogue"), reverse("open_data")]
    urls += [d[fmt] for d in catalogue["datasets"] for fmt in ("csv", "json")]
    for url in urls:
        text = client.get(url).content.decode("utf-8-sig")
        for a in alliances:
            for said in (a.code, a.name_zh, a.name_en):
                assert not said or said not in text, (url, said)
    # The JSON rows hold only the described columns: field sums, no alliance.
    for d in catalogue["datasets"]:
        data = json.loads(client.get(d["json"]).content)
        keys = {c["key"] for c in data["columns"]}
        assert all(set(row) == keys for row in data["rows"])
        assert {row["field_code"] for row in data["rows"]} <= {
            *(f.code for f in Field.objects.all()),
            "total",
        }


def test_the_page_lists_each_dataset_with_its_urls_date_licence_and_columns(client, published):
    response = client.get(reverse("open_data"))
    assert response.status_code == 200
    page = response.content.decode()
    for said in (LICENCE, LICENCE_EN, LICENCE_URL, "catalogue.json"):
        assert said in page
    catalogue = json.loads(client.get(reverse("open_data_catalogue")).content)
    assert catalogue["license"] == LICENCE and catalogue["license_url"] == LICENCE_URL
    for d in catalogue["datasets"]:
        assert d["csv"] in page and d["json"] in page
        assert f'datetime="{d["data_date"]}"' in page
    assert catalogue["data_date"] == max(d["data_date"] for d in catalogue["datasets"])
    # The columns, with their Chinese headers, units and the rules they follow.
    for column in (*open_data.FIELD_COLUMNS, *open_data.BAND_COLUMNS):
        assert column.key in page and column.label_zh in page
    for rule in ("M4", "R1", "R8"):
        assert f"<dt>{rule}</dt>" in page


def test_with_nothing_published_the_page_says_so(client, people):
    response = client.get(reverse("open_data"))
    assert response.status_code == 200
    assert json.loads(client.get(reverse("open_data_catalogue")).content)["datasets"] == []
    assert client.get(fields_url(106, "csv")).status_code == 404  # not accepted


def test_the_directory_and_the_reports_link_to_the_open_data(client, people, published):
    link = f'href="{reverse("open_data")}"'
    assert link in client.get(reverse("directory")).content.decode()
    client.force_login(people.pi)
    reports = client.get(reverse("reports_home"), follow=True)
    assert reports.status_code == 200 and link in reports.content.decode()
    fee_bands = client.get(reverse("report_fee_bands"))
    assert link in fee_bands.content.decode()


# Queries of each answer to the anonymous, whatever the number of alliances and years.
PINNED = {
    "page": 2,
    "catalogue": 2,
    "fields csv": 3,
    "fields json": 3,
    "fee bands csv": 4,
    "fee bands json": 4,
}


def test_every_answer_runs_its_pinned_queries_at_any_size(client, db):
    urls = {
        "page": reverse("open_data"),
        "catalogue": reverse("open_data_catalogue"),
        "fields csv": fields_url(FIRST + 4, "csv"),
        "fields json": fields_url(FIRST + 4, "json"),
        "fee bands csv": bands_url(FIRST, FIRST + 4, "csv"),
        "fee bands json": bands_url(FIRST, FIRST + 4, "json"),
    }
    sizes = []
    for first, last, alliances, start in ((FIRST, FIRST + 4, 2, 0), (FIRST - 3, FIRST + 4, 10, 2)):
        publish(first, last, alliances=alliances, start=start)
        counts = {}
        for key, url in urls.items():
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            counts[key] = len(queries)
        sizes.append(counts)
    small, large = sizes
    assert small == large, f"queries grew with the data: {small} → {large}"
    assert small == PINNED
