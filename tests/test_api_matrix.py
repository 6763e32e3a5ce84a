"""Every API endpoint × every kind of account, asked with that person's own API token:
the status the portal's page gives them (tests/api_matrix.py), and in every list only what
the portal shows them — 0 leaks."""

import pytest

from accounts.services import api_token_create
from alliances.permissions import is_programme_reader, visible_alliances
from kpi.models import FilingKind
from tests.api_matrix import api_expectation
from tests.report_helpers import alliance_with_figures, zeros
from tests.test_permission_matrix import USERS
from tests.urlmatrix import all_patterns, build
from tests.visit_helpers import shared_visit


def api_patterns():
    return [(k, p, r) for k, p, r in all_patterns() if k.startswith("api:")]


def test_every_api_endpoint_is_in_the_matrix():
    keys = [key for key, _p, _r in api_patterns()]
    assert len(keys) >= 12
    missing = [key for key in keys if api_expectation(key) is None]
    assert not missing, f"API endpoints missing from the matrix: {missing}"


def _codes_in(payload) -> set:
    """Every alliance code anywhere in a JSON answer."""
    found = set()
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "code" and isinstance(value, str):
                found.add(value)
            found |= _codes_in(value)
    elif isinstance(payload, list):
        for value in payload:
            found |= _codes_in(value)
    return found


@pytest.mark.parametrize("user_name", USERS)
def test_api_matrix(client, official, user_name):
    people = official
    shared_visit(people)  # the reviewer's visit: the alliance is named to them in reports
    # An alliance-year without company members: named (or not) in the fee bands' list.
    alliance_with_figures("CHEM009", field="chem", year=106, **zeros(**{"R-SERVICE": 50_000}))
    user = getattr(people, user_name)
    headers = {}
    if user is not None:
        _token, raw = api_token_create(user=user, name="matrix", days=30)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    samples = {"code": people.alliance.code, "year": 106, "kind": "revenue"}
    column = USERS.index(user_name)
    may_see = (
        set(visible_alliances(user).values_list("code", flat=True)) if user is not None else set()
    )
    every_code = set(type(people.alliance).objects.values_list("code", flat=True))
    wrong = []
    for key, pattern, route in api_patterns():
        url = build(key, pattern, route, samples)
        expected = int(api_expectation(key).split()[column])
        response = client.get(url, **headers)
        if response.status_code != expected:
            wrong.append(f"{key} {url}: expected {expected}, got {response.status_code}")
            continue
        if expected != 200 or key in ("api:schema", "api:docs"):
            continue
        if user is not None and response.get("Cache-Control") != "private, no-store":
            wrong.append(f"{key}: Cache-Control {response.get('Cache-Control')!r}")
        seen = _codes_in(response.json()) & every_code
        if key.startswith("api:report-"):
            from reports.permissions import named_alliances

            named = named_alliances(user)
            allowed = (
                every_code
                if named is None
                else set(
                    type(people.alliance)
                    .objects.filter(pk__in=named)
                    .values_list("code", flat=True)
                )
            )
        else:
            allowed = may_see
        if not seen <= allowed:
            wrong.append(f"{key}: shows {sorted(seen - allowed)} to {user_name}")
        if key == "api:alliance-years" and not is_programme_reader(user):
            subsidies = [y["subsidy"] for y in response.json()["results"]]
            if any(value is not None for value in subsidies):
                wrong.append(f"{key}: the subsidy shown to {user_name}")
        if key == "api:alliance-list" and seen != may_see:
            wrong.append(f"{key}: lists {sorted(seen)}, the portal shows {sorted(may_see)}")
    assert not wrong, "\n".join(wrong)


def test_objects_of_another_alliance_are_404_by_code_and_year(client, official):
    """A PI asking for the other alliance, or a year their alliance does not have, gets 404
    exactly as for an alliance that does not exist; nothing says which it was."""
    people = official
    _token, raw = api_token_create(user=people.pi, name="probe", days=30)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    answers = set()
    for path in (
        f"/api/v1/alliances/{people.other_alliance.code}/",
        f"/api/v1/alliances/{people.other_alliance.code}/years/106/members/",
        f"/api/v1/alliances/{people.other_alliance.code}/years/106/filings/",
        "/api/v1/alliances/NOPE999/",
        f"/api/v1/alliances/{people.alliance.code}/years/99/members/",
        f"/api/v1/alliances/{people.alliance.code}/years/106/ledger/nothing/",
    ):
        response = client.get(path, **headers)
        assert response.status_code == 404, path
        answers.add(response.content)
    assert len(answers) == 1
    own = client.get(f"/api/v1/alliances/{people.alliance.code}/years/106/filings/", **headers)
    kinds = [f["kind"] for f in own.json()["results"]]
    assert kinds == list(FilingKind.values)
