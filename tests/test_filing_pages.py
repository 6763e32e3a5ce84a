"""The filing pages as people use them: targets, the check, certify and submit, versions,
the office's extension; bad input answers with a message and changes nothing."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.ledger import services as ledger
from kpi.models import Filing, FilingExtension, FilingKind, FilingState, FilingVersion, RevenueEntry
from tests.filing_helpers import (
    answers,
    at,
    full_targets,
    submitted_expected,
    submitted_first_filing,
)
from tests.review_helpers import office_returns


def url(people, filing="first", tail="", year=106):
    return f"/alliances/{people.alliance.pk}/filings/{year}/{filing}/{tail}"


def test_the_filing_list_shows_the_three_filings_with_their_deadlines(client, people):
    client.force_login(people.pi)
    html = client.get(f"/alliances/{people.alliance.pk}/filings/106/").content.decode()
    for label in ("預期成果", "第一次KPI填報", "第二次KPI填報"):
        assert label in html
    assert "106.04.15" in html and "106.10.31" in html and "107.01.31" in html
    assert client.get(f"/alliances/{people.alliance.pk}/filings/").status_code == 302


def test_targets_are_saved_from_the_form_and_bad_numbers_are_refused(client, people):
    client.force_login(people.pi)
    page = client.get(url(people, "expected"))
    assert "年度目標" in page.content.decode()
    data = {"revision": 1, **dict.fromkeys(full_targets(), "3")}
    data["R-FEE"] = "-5"
    data["O-TECH"] = ""
    bad = client.post(url(people, "expected"), data)
    html = bad.content.decode()
    assert bad.status_code == 200 and "目標不能是負數" in html and "請輸入目標" in html
    assert not Filing.objects.exists()
    data["R-FEE"], data["O-TECH"] = "300000", "2"
    good = client.post(url(people, "expected"), data)
    assert good.status_code == 302
    filing = Filing.objects.get()
    assert filing.targets["R-FEE"] == 300_000 and filing.targets["O-TECH"] == 2
    stale = client.post(url(people, "expected"), data)  # revision 1 again: someone saved
    assert "別人" in stale.content.decode() or "其他人" in stale.content.decode()


def test_the_pi_checks_certifies_and_submits_and_the_filing_locks(client, people):
    submitted_expected(people)
    client.force_login(people.pi)
    with time_machine.travel(at(2017, 10, 20), tick=True):
        check = client.get(url(people, tail="check/")).content.decode()
        assert "沒有錯誤" in check and "證明並送出" in check
        refused = client.post(url(people, tail="submit/"), {"name": people.pi.name})
        assert refused.status_code == 400 and "勾選" in refused.content.decode()
        assert not FilingVersion.objects.filter(filing__kind="first").exists()
        done = client.post(
            url(people, tail="submit/"), {"name": people.pi.name, "confirm": "on"}, follow=True
        )
    html = done.content.decode()
    assert "已送出" in html and "鎖定" in html
    assert FilingVersion.objects.filter(filing__kind="first").count() == 1
    again = client.post(url(people, tail="submit/"), {"name": people.pi.name, "confirm": "on"})
    assert again.status_code == 400
    assert FilingVersion.objects.filter(filing__kind="first").count() == 1


def test_errors_block_the_submission_on_the_page(client, people):
    submitted_expected(people)
    ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="collaboration",
            amount=800_000,
            firm=people.firm,
            date=dt.date(2017, 8, 1),
        ),
        by=people.pi,
    )
    client.force_login(people.pi)
    with time_machine.travel(at(2017, 10, 20), tick=True):
        check = client.get(url(people, tail="check/")).content.decode()
        assert "R7" in check and "沒有佐證" in check and 'name="confirm"' not in check
        forced = client.post(url(people, tail="submit/"), {"name": people.pi.name, "confirm": "on"})
    assert forced.status_code == 400 and "R7" in forced.content.decode()
    assert not FilingVersion.objects.filter(filing__kind="first").exists()


@pytest.mark.parametrize("who", ["copi", "assistant", "other_pi", "office", "viewer"])
def test_a_forged_submission_by_anyone_but_the_pi_is_404(client, people, who):
    submitted_expected(people)
    client.force_login(getattr(people, who))
    with time_machine.travel(at(2017, 10, 20), tick=True):
        response = client.post(url(people, tail="submit/"), {"name": "x", "confirm": "on"})
    assert response.status_code == 404
    assert not FilingVersion.objects.filter(filing__kind="first").exists()


def test_an_unknown_filing_kind_is_404(client, people):
    client.force_login(people.pi)
    assert client.get(url(people, "third")).status_code == 404
    assert client.get(url(people, tail="v9/")).status_code == 404


def test_the_version_page_shows_items_records_and_what_changed(client, people):
    version = submitted_first_filing(people)
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=version.filing, by=people.office)
        office_returns(people, version.filing, "請補登")
    ledger.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="other_operating",
            amount=8_000,
            date=dt.date(2017, 9, 1),
            description="場地租借收入",
        ),
        by=people.pi,
    )
    with time_machine.travel(at(2017, 12, 1), tick=False):
        filings.filing_submit(
            filing=version.filing,
            by=people.pi,
            certified_name=people.pi.name,
            confirmed=True,
            answers=answers(version.filing),
        )
    client.force_login(people.viewer)
    html = client.get(url(people, tail="v2/")).content.decode()
    assert "已修改" in html and "新增" in html and "場地租借收入" in html
    assert "NT$8,000" in html
    detail = client.get(url(people)).content.decode()
    assert "請補登" in detail and "已退回修正" in detail


def test_the_office_grants_an_extension_from_the_page(client, people):
    client.force_login(people.office)
    with time_machine.travel(at(2017, 11, 2, 9), tick=True):
        bad = client.post(url(people, tail="extension/"), {"until": "106.13.40", "reason": ""})
        assert bad.status_code == 400 and "民國" in bad.content.decode()
        ok = client.post(url(people, tail="extension/"), {"until": "106.11.10", "reason": "停電"})
    assert ok.status_code == 302
    assert FilingExtension.objects.get().until == dt.date(2017, 11, 10)
    client.force_login(people.pi)
    html = client.get(url(people)).content.decode()
    assert "106.11.10" in html and "停電" in html


def _grow(people, n):
    ay = people.alliance_years[106]
    RevenueEntry.objects.bulk_create(
        RevenueEntry(
            alliance_year=ay,
            kind="other_operating",
            amount=1_000 + i,
            date=dt.date(2017, 3, 1) + dt.timedelta(days=i % 200),
            counted=True,
            full_amount=1_000 + i,
            counted_amount=1_000 + i,
            rule="R2",
        )
        for i in range(n)
    )


@pytest.mark.parametrize(
    ("who", "tail", "ceiling"),
    [
        ("pi", "", 40),
        ("pi", "check/", 43),
        ("pi", "v1/", 20),  # + the answers kept with the version, + the status (two)
        ("viewer", "v2/", 23),
    ],
)
def test_filing_pages_run_a_bounded_number_of_queries(client, people, who, tail, ceiling):
    first = submitted_first_filing(people)
    with time_machine.travel(at(2017, 11, 5), tick=False):
        filings.filing_review_start(filing=first.filing, by=people.office)
        office_returns(people, first.filing, "請補登")
    client.force_login(getattr(people, who))
    counts = []
    for n in (5, 50):
        _grow(people, n)
        with time_machine.travel(at(2017, 12, 1), tick=False):
            filings.filing_submit(
                filing=filing_selectors.filing_of(people.alliance_years[106], FilingKind.FIRST),
                by=people.pi,
                certified_name=people.pi.name,
                confirmed=True,
                answers=answers(first.filing),
            ) if n == 5 else None
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(people, tail=tail)).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[1] <= counts[0], f"{tail}: {counts[0]} queries grew to {counts[1]}"
    assert counts[1] <= ceiling, f"{tail}: {counts[1]} queries, ceiling {ceiling}"
    assert Filing.objects.get(alliance_year=people.alliance_years[106], kind="first").state == (
        FilingState.RESUBMITTED
    )
