"""The load test's bare view lives only under the benchmark's settings (bench/settings.py):
production's URLs never serve it, and under the benchmark's settings it is the minimal
logged-in page the load test measures the portal against."""

import pytest
from django.test import override_settings
from django.urls import clear_url_caches


def test_production_urls_do_not_serve_the_bare_view(client, people, settings):
    import bench.settings

    assert settings.ROOT_URLCONF == "alliance_portal.urls"
    assert bench.settings.ROOT_URLCONF == "bench.urls"  # the one thing the bench changes
    assert bench.settings.MIDDLEWARE == settings.MIDDLEWARE
    client.force_login(people.pi)
    assert client.get("/bench/bare/").status_code == 404


@pytest.fixture
def bench_urls():
    clear_url_caches()
    with override_settings(ROOT_URLCONF="bench.urls"):
        yield
    clear_url_caches()


def test_the_bare_view_is_a_logged_in_page_through_the_same_middleware(
    client, people, bench_urls, django_assert_num_queries
):
    anonymous = client.get("/bench/bare/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(people.pi)
    with django_assert_num_queries(2):  # the session and the user: nothing of its own
        response = client.get("/bench/bare/")
    assert response.status_code == 200
    assert people.pi.email in response.content.decode()
    assert "Content-Security-Policy" in response  # the same middleware as every page
    assert "private" in response["Cache-Control"]
    # The portal's own pages are all still there under the benchmark's settings.
    assert client.get("/dashboard/").status_code == 200
