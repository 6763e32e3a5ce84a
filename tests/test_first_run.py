"""A first run by the plain Django deployment steps (`manage.py migrate`, `collectstatic`,
then start; no `createcachetable`) gives a working portal: the login rate limits' database
cache table is made by a migration (core/migrations/0008_cache_table.py), so the first
login never answers 500."""

import pytest

from tests.test_deploy_settings import manage

LOGIN = """
from django.db import connection
from django.test import Client
print("cache table:", "portal_cache" in connection.introspection.table_names())
client = Client(HTTP_HOST="portal.example.org")
form = client.get("/accounts/login/", secure=True)
answer = client.post(
    "/accounts/login/", {"login": "nobody@example.org", "password": "wrong"}, secure=True
)
print("login:", form.status_code, answer.status_code)
"""


@pytest.mark.smoke
def test_migrate_alone_makes_the_cache_table_and_the_first_login_answers(tmp_path):
    static = {"STATIC_ROOT": str(tmp_path / "static"), "REDIS_URL": ""}  # the database cache
    for step in (("migrate", "--no-input"), ("collectstatic", "--no-input")):
        done = manage(*step, tmp_path=tmp_path, **static)
        assert done.returncode == 0, done.stderr
    result = manage("shell", "-c", LOGIN, tmp_path=tmp_path, **static)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert "cache table: True" in lines
    # The form, then the wrong password refused on the form (200), not a server error.
    assert "login: 200 200" in lines, result.stdout + result.stderr


@pytest.mark.smoke
def test_migrating_twice_keeps_the_cache_table(tmp_path):
    for _ in range(2):
        migrated = manage("migrate", "--no-input", tmp_path=tmp_path, REDIS_URL="")
        assert migrated.returncode == 0, migrated.stderr
    made = manage("createcachetable", "--dry-run", tmp_path=tmp_path, REDIS_URL="")
    assert made.returncode == 0 and "CREATE TABLE" not in made.stdout
