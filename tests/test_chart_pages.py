"""The charts of the report pages (field report, fee bands, self-sufficiency) as a reader
gets them: each with its figures as a real table, in either language, and the table has the
figures the chart draws (tests/test_charts.py reads both)."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import ProgrammeRole
from tests.report_helpers import alliance_with_figures, zeros
from tests.test_charts import assert_table_has_the_figures_drawn, chart_parts

pytestmark = pytest.mark.django_db

PAGES = {
    "/reports/106/": ["chart-members", "chart-revenue"],
    "/reports/fee-bands/?from=102&to=106": ["chart-fee-bands"],
    "/reports/106/self-sufficiency/": ["chart-trend"],
}


@pytest.fixture
def reader(make_user):
    for n, (field, members, fees) in enumerate(
        [("civil", 4, 30_000), ("biomed", 7, 90_000), ("ict", 12, 250_000), ("elec", 0, 0)]
    ):
        for year in range(102, 107):
            alliance_with_figures(
                f"A{n:02d}",
                field=field,
                year=year,
                **zeros(
                    **{
                        "M-COMPANY": members,
                        "R-FEE": fees,
                        "R-SERVICE": 400_000 + 100_000 * (year - 102) * n,
                        "R-TRANSFER": 150_000 * n,
                    }
                ),
            )
    client = Client()
    client.force_login(
        make_user("viewer@example.org", name="李科長", programme_role=ProgrammeRole.VIEWER)
    )
    return client


@pytest.mark.parametrize("language", ["zh-hant", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_every_chart_has_its_figures_as_a_table(reader, path, language):
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = reader.get(path).content.decode()
    found = chart_parts(html)
    assert [svg.get("aria-labelledby").removesuffix("-title") for svg, _ in found] == PAGES[path]
    for svg, table in found:
        assert table.find("caption").text  # named by the chart's title
        assert all(th.get("scope") == "col" for th in table.find("thead").iter("th"))
        assert all(tr[0].get("scope") == "row" for tr in table.find("tbody").iter("tr"))
        assert_table_has_the_figures_drawn(svg, table)
