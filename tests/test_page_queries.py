"""Every main page of each role runs exactly its pinned number of queries, with a little
data and with several times as much: the pages of bench/pages.py (bench/pages_list.PAGES,
one list for both), on data built the benchmark's way (bench/build.py, bench/pages_data.py).

Small: one programme year (and the year before as imported history) of 10 alliances with
3 members each. Large: two more years, now of 16 alliances with 8 members each, so every
per-year list (review list, site visits, registrations, the directory), every per-alliance
list (members, ledger) and every multi-year read (fee bands, the trend) is longer. The
pages are read for the showcase alliance-year of the latest year (bench.pages_data.showcase),
which is of the same kind at both sizes. A count that grows is an N+1 to fix; a count that
changes at both sizes alike is a page that changed: pin its new number (the failure says it).
"""

import pytest
from django.db import transaction

from bench.pages_list import PAGES, clients, make_scene, queries_of

pytestmark = pytest.mark.django_db

# The queries of each page, at both sizes (bench/pages.py judges the same at 1× and 10×).
PINNED = {
    "pi dashboard": 11,
    "assistant dashboard": 10,
    "alliance page": 7,
    "KPI page": 18,
    "cross checks": 11,
    "ledger: revenue": 8,
    "members": 10,
    "filing list": 13,
    "second filing": 16,
    "second filing: check": 29,
    "office dashboard": 17,
    "review list (second)": 14,
    "filing review": 26,
    "background work": 13,
    "site visits": 8,
    "events": 8,
    "viewer dashboard": 9,
    "field report": 7,
    "fee bands, all years": 8,
    "self-sufficiency": 15,
    "reviewer dashboard": 9,
    "directory": 5,
    "api: alliances": 11,
    "api: alliance": 10,
    "api: years": 12,
    "api: members": 13,
    "api: ledger": 13,
    "api: filings": 17,
    "api: audit records": 13,
    "api: field report": 10,
    "api: fee bands": 12,
    "api: self-sufficiency": 19,
}
SEED = 2017
SMALL = {"alliances": 10, "members": 3}
LARGE = {"alliances": 16, "members": 8}
SHOWCASE_KIND = "phase 2, second filing returned once, with a last year"


def grow(builder, *, alliances: int, members: int) -> None:
    """More alliances from the next programme year on (new slots, as bench.build.Builder
    makes them) and more members per alliance."""
    from bench.build_data import FIELD_WEIGHTS, LIFE, Slot

    codes, weights = list(FIELD_WEIGHTS), list(FIELD_WEIGHTS.values())
    for n in range(len(builder.slots), alliances):
        field = builder.fields[builder.rng.choices(codes, weights)[0]]
        builder.slots.append(Slot(number=n + 1, field=field, offset=builder.rng.randrange(LIFE)))
    builder.n_alliances = alliances
    builder.n_members = members


def measure(first: int, latest: int) -> tuple[str, dict]:
    scene = make_scene(first, latest)
    by_role = clients(scene)
    return scene.kind, {
        page.key: len(queries_of(by_role[page.role], page.url(scene))) for page in PAGES
    }


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker, tmp_path_factory):
    """{page key: (queries small, queries large)} and the two showcases, measured on data
    that is rolled back afterwards."""
    from django.test import override_settings

    from alliances.reference import ensure_fields
    from bench.build import Builder
    from bench.build_data import FIRST_YEAR
    from bench.pages_data import PagesData

    private = override_settings(PRIVATE_MEDIA_ROOT=tmp_path_factory.mktemp("private"))
    with private, django_db_blocker.unblock(), transaction.atomic():
        ensure_fields()
        builder = Builder(seed=SEED, log=lambda _text: None, **SMALL)
        extras = PagesData(seed=SEED, log=lambda _text: None)
        first = FIRST_YEAR
        builder.build_year(first)
        extras.add_history(first - 1)
        extras.add_year(first)
        small = measure(first, first)
        grow(builder, **LARGE)
        for year in (first + 1, first + 2):
            builder.build_year(year)
            extras.add_year(year)
        large = measure(first, first + 2)
        transaction.set_rollback(True)
    return {
        "showcases": (small[0], large[0]),
        "pages": {key: (small[1][key], large[1][key]) for key in small[1]},
    }


def test_every_bench_page_is_pinned():
    assert sorted(PINNED) == sorted(page.key for page in PAGES)


def test_the_showcase_is_of_the_same_kind_at_both_sizes(counts):
    small, large = counts["showcases"]
    assert small == large == SHOWCASE_KIND, (
        f"the data has no alliance-year of the showcase's kind ({small}; {large}): "
        "choose another SEED"
    )


@pytest.mark.parametrize("key", [page.key for page in PAGES])
def test_page_runs_its_pinned_number_of_queries(counts, key):
    small, large = counts["pages"][key]
    assert small == large, f"{key}: {small} queries with a little data, {large} with more"
    assert small == PINNED[key], f"{key}: {small} queries at both sizes, pinned {PINNED[key]}"
