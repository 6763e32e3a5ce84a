"""Ledger pages: add records with verdicts, evidence served only to the alliance's people,
bad input explained and never saved, concurrent edits refused, the dashboard totals."""

import io

import pytest

from kpi.models import Evidence, RevenueEntry


def url(people, tail=""):
    return f"/alliances/{people.alliance.pk}/ledger/106/revenue/{tail}"


def revenue_form(**overrides):
    data = {
        "kind": "technology_transfer",
        "date": "106.08.01",
        "amount": "400000",
        "membership": "",
        "firm": "22099131",
        "payer_name": "",
        "payer_kind": "firm",
        "freely_usable": "on",
        "description": "授權",
        "version": "",
    }
    data.update(overrides)
    return data


def dashboard_value(client, people, code):
    response = client.get(f"/alliances/{people.alliance.pk}/kpi/106/")
    row = next(r for r in response.context["rows"] if r["item"].code == code)
    return row["value"]


@pytest.mark.parametrize(
    ("overrides", "counted", "rule"),
    [
        ({}, True, "R6"),
        ({"date": "107.02.01"}, False, "R6"),  # signed after the year
        ({"kind": "collaboration", "firm": "04595257"}, False, "R7"),  # not a member
    ],
)
def test_a_record_added_by_form_shows_its_verdict_on_list_and_dashboard(
    client, people, overrides, counted, rule
):
    from members.models import Firm

    Firm.objects.get_or_create(ubn="04595257", defaults={"name": "非會員"})
    client.force_login(people.assistant)  # approved, with the ledger capability
    before = dashboard_value(client, people, "R-TOTAL")
    response = client.post(url(people, "new/"), revenue_form(**overrides), follow=True)
    assert response.status_code == 200
    entry = RevenueEntry.objects.latest("pk")
    assert (entry.counted, entry.rule) == (counted, rule)
    page = client.get(url(people)).content.decode()
    assert f'<strong class="{"ok" if counted else "warn"}">{rule}</strong>' in page
    after = dashboard_value(client, people, "R-TOTAL")
    assert after - before == (400_000 if counted else 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "10000000001"}, "amount"),
        ({"kind": "technical_service", "date": "107.03.01"}, "不在計畫年度"),
        ({"firm": "12345678"}, "檢查碼錯誤"),
        ({"firm": ""}, "統一編號"),
        ({"kind": "membership_fee", "firm": ""}, "會員"),
    ],
)
def test_bad_ledger_input_is_explained_and_saves_nothing(client, people, overrides, message):
    client.force_login(people.pi)
    count = RevenueEntry.objects.count()
    response = client.post(url(people, "new/"), revenue_form(**overrides))
    assert response.status_code == 200
    form = response.context["form"]
    text = str(form.errors)
    assert message in text or message in form.errors, form.errors
    assert RevenueEntry.objects.count() == count


def test_a_concurrent_edit_through_the_page_is_refused(client, people):
    client.force_login(people.pi)
    edit = url(people, f"{people.entry.pk}/")
    opened = client.get(edit).context["form"].initial["version"]
    data = revenue_form(kind="technical_service", amount="130000", version=str(opened))
    assert client.post(edit, data).status_code == 302
    stale = client.post(
        edit, revenue_form(kind="technical_service", amount="90000", version=str(opened))
    )
    assert "其他人儲存" in stale.content.decode()
    assert RevenueEntry.objects.get(pk=people.entry.pk).amount == 130_000


def test_evidence_is_served_to_the_alliance_and_office_only(client, people):
    path = f"/alliances/{people.alliance.pk}/evidence/{people.evidence.pk}/"
    for user, status in [
        (people.outsider, 404),
        (people.other_pi, 404),
        (people.pending, 404),
        (people.pi, 200),
        (people.assistant, 200),
        (people.office, 200),
    ]:
        client.force_login(user)
        response = client.get(path)
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.logout()
    assert client.get(path).status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"just text", "receipt.pdf", "PDF、JPEG 或 PNG"),  # a lying extension
        (b"GIF89a....", "receipt.png", "PDF、JPEG 或 PNG"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024 + 1), "big.pdf", "5 MB"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_saved(client, people, content, name, message):
    client.force_login(people.pi)
    upload = io.BytesIO(content)
    upload.name = name
    count = (RevenueEntry.objects.count(), Evidence.objects.count())
    response = client.post(url(people, "new/"), {**revenue_form(), "file": upload})
    assert message in response.content.decode()
    assert (RevenueEntry.objects.count(), Evidence.objects.count()) == count


def test_records_of_another_alliance_are_404(client, people):
    client.force_login(people.other_pi)
    own = f"/alliances/{people.other_alliance.pk}/ledger/106/revenue/{people.entry.pk}/"
    assert client.post(own, revenue_form()).status_code == 404
    assert client.post(url(people, "new/"), revenue_form()).status_code == 404
    assert client.get(f"/alliances/{people.alliance.pk}/ledger/106/bogus/").status_code == 404


def test_a_covered_record_asks_for_a_reason_on_the_page(client, people):
    import datetime as dt

    from kpi.ledger import services

    services.coverage_record(
        alliance_year=people.alliance_years[106],
        through=dt.date(2017, 10, 31),
        label="第一次KPI填報",
        by=people.office,
    )
    client.force_login(people.pi)
    edit = url(people, f"{people.entry.pk}/")
    data = revenue_form(
        kind="technical_service", amount="125000", version=str(people.entry.version)
    )
    refused = client.post(edit, data)
    assert "修改須說明原因" in refused.content.decode()
    assert client.post(edit, {**data, "change_reason": "補登發票"}).status_code == 302
    listing = client.get(url(people)).content.decode()
    assert "核定後修改" in listing and "補登發票" in listing


def test_a_member_with_fee_records_is_not_removed_but_told_why(client, people):
    from kpi.ledger import services

    fee = services.record_save(
        record=RevenueEntry(
            alliance_year=people.alliance_years[106],
            kind="membership_fee",
            amount=30_000,
            membership=people.membership,
            date=people.entry.date,
        ),
        by=people.pi,
    )
    assert fee.firm == people.firm  # exports name the member firm
    client.force_login(people.pi)
    response = client.post(
        f"/alliances/{people.alliance.pk}/members/106/{people.membership.pk}/delete/",
        follow=True,
    )
    assert (
        "請先刪除" in response.content.decode() or "delete those first" in response.content.decode()
    )
    from members.models import Membership

    assert Membership.objects.filter(pk=people.membership.pk).exists()


def test_payer_kind_is_needed_without_a_firm(client, people):
    client.force_login(people.pi)
    response = client.post(
        url(people, "new/"),
        revenue_form(kind="other_operating", firm="", payer_name="學員", payer_kind=""),
    )
    assert "payer_kind" in response.context["form"].errors


def test_deleting_a_record_removes_its_evidence_file(
    client, people, django_capture_on_commit_callbacks
):
    storage = people.evidence.file.storage
    name = people.evidence.file.name
    assert storage.exists(name)
    client.force_login(people.pi)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(people, f"{people.entry.pk}/delete/"))
    assert response.status_code == 302
    assert not Evidence.objects.filter(pk=people.evidence.pk).exists()
    assert not storage.exists(name)
