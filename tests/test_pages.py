import pytest
from django.urls import reverse

from alliances.models import Alliance, Field, TeamType

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]


def make_alliances(n, start=0):
    from django.utils import timezone

    field = Field.objects.get(code="elec")
    Alliance.objects.bulk_create(
        Alliance(
            code=f"ELEC{i:04d}",
            name_zh=f"測試聯盟{i:03d}",
            field=field,
            institution="某大學",
            team_type=TeamType.SINGLE_LAB,
            profile_published_at=timezone.now(),
        )
        for i in range(start, start + n)
    )


def test_home_shows_the_calendar_in_roc_dates_in_chinese_by_default(client, year_107):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-Hant-TW"' in html
    assert "107.04.15" in html and "108.01.31" in html
    assert "產學小聯盟" in html
    assert "107年" in html


def test_switching_to_english_keeps_roc_dates(client, year_107):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Filing calendar, programme year ROC 107" in html
    assert "107.04.15" in html


def test_directory_is_paginated_with_a_bounded_number_of_queries(
    client, year_107, django_assert_max_num_queries
):
    make_alliances(30)
    with django_assert_max_num_queries(5):  # the fifth: the published outstanding alliances
        first = client.get("/directory/")
    assert first.content.decode().count("測試聯盟") == 25
    second = client.get("/directory/?page=2")
    assert second.content.decode().count("測試聯盟") == 5
    make_alliances(200, start=30)
    with django_assert_max_num_queries(4):
        client.get("/directory/?page=3")
    home = client.get("/").content.decode()
    assert "共 230 個聯盟" in home and "/directory/?field=" in home


@pytest.mark.parametrize("page", ["999", "abc", "-1"])
def test_a_bad_page_number_never_crashes(client, page):
    make_alliances(30)
    assert client.get(f"/directory/?page={page}").status_code == 200


def test_office_background_work_is_for_the_office_only(client, office_user, outsider):
    url = reverse("office_failed_work")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(office_user)
    response = client.get(url)
    assert response.status_code == 200
    assert (
        "沒有失敗的背景工作" in response.content.decode()
        or "No failed tasks" in response.content.decode()
    )


def test_login_page_renders_in_the_portal_layout(client):
    response = client.get(reverse("account_login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="main"' in html and "<label" in html
