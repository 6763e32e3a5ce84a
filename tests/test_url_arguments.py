"""A URL whose words are odd (a NUL byte, spaces, non-ASCII, a very long word) answers
404 — never 500 — on every pattern that takes a word: codes, filings, kinds, periods,
fields (they are slugs; the database refuses a NUL in a string)."""

import re

import pytest

from tests.urlmatrix import all_patterns

ODD = ["%00", "MECH%00", "a%20b", "%E6%A9%9F", "x" * 300]


@pytest.mark.parametrize("odd", ODD)
def test_odd_words_in_urls_are_404_not_500(client, people, odd):
    client.force_login(people.office)
    wrong = []
    for key, _pattern, route in all_patterns():
        words = re.findall(r"<(?:slug|str):(\w+)>", route)
        if not words or key == "invitation_accept":
            continue
        path = route
        for word in words:
            path = path.replace(f"<slug:{word}>", odd).replace(f"<str:{word}>", odd)
        path = re.sub(r"<int:\w+>", "1", path)
        response = client.get("/" + path)
        if response.status_code >= 500 or response.status_code == 200:
            wrong.append(f"{key} /{path}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
