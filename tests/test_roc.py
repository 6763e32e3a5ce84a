import datetime as dt

import pytest
from django.utils import timezone

from core import roc

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("day", "project_year"),
    [
        (dt.date(2019, 1, 31), 107),  # N+1.01.31 is the last day of year N
        (dt.date(2019, 2, 1), 108),  # N.02.01 starts year N
        (dt.date(2018, 2, 1), 107),
        (dt.date(2018, 1, 31), 106),
        (dt.date(2018, 12, 31), 107),  # the calendar year turns, the project year does not
        (dt.date(2019, 1, 1), 107),
    ],
)
def test_project_year_at_its_edges(day, project_year):
    assert roc.project_year_of(day) == project_year


def test_roc_calendar_year_turns_on_new_years_day():
    assert roc.roc_year(dt.date(2018, 12, 31)) == 107
    assert roc.roc_year(dt.date(2019, 1, 1)) == 108


def test_project_year_bounds():
    assert roc.project_year_bounds(107) == (dt.date(2018, 2, 1), dt.date(2019, 1, 31))


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2018, 2, 1), "107.02.01"),
        (dt.date(2019, 1, 31), "108.01.31"),
        (dt.date(2018, 12, 31), "107.12.31"),
        (dt.date(2019, 1, 1), "108.01.01"),
        (dt.date(1922, 3, 4), "11.03.04"),
    ],
)
def test_format_roc_date(day, text):
    assert roc.format_roc_date(day) == text


def test_aware_datetimes_are_shown_in_taipei_time():
    # 2019-01-31 16:30 UTC is already 108.02.01 00:30 in Taipei: next project year.
    moment = dt.datetime(2019, 1, 31, 16, 30, tzinfo=dt.UTC)
    assert roc.format_roc_datetime(moment) == "108.02.01 00:30"
    assert roc.project_year_of(moment) == 108
    before = dt.datetime(2019, 1, 31, 15, 59, tzinfo=dt.UTC)
    assert roc.project_year_of(before) == 107
    assert timezone.get_current_timezone_name() == "Asia/Taipei"


@pytest.mark.parametrize(
    "text",
    [
        "107.02.01",
        "107/2/1",
        "107-02-01",
        "107年2月1日",
        "民國107年02月01日",
        "1070201",
        " 107.02.01 ",
        "2018-02-01",
        "2018/02/01",
        "2018.2.1",
    ],
)
def test_parse_accepts_roc_and_iso(text):
    assert roc.parse_date(text) == dt.date(2018, 2, 1)


@pytest.mark.parametrize(
    "text", ["", "107.02.30", "107.13.01", "0.01.01", "abc", "2018-2", "18.02.01x"]
)
def test_parse_rejects_what_is_not_a_date(text):
    with pytest.raises(roc.InvalidDate):
        roc.parse_date(text)
