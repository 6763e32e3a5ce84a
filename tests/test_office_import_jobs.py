"""The office's registry import runs in the background (workbook_import/jobs.py): the
upload is read within the limits at once, checked by the worker with its rows counted, shown
for confirmation, and saved by the worker, all or nothing. It takes up to
IMPORT_LIMITS["office_rows"] rows a sheet; an alliance's own import stays at `rows`."""

import io

import pytest
from django.db import connection, connections, transaction

from core.models import AuditEvent, ImportBatch
from members.models import Membership
from members.ubn import complete_ubn
from tests import test_workbook_import
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes
from workbook_import import jobs

ay = test_workbook_import.ay  # the fixture: MECH001's 106, no members yet


def registry(rows: int, *, start=0) -> io.BytesIO:
    data = workbook_bytes(
        {
            "成員": [
                MEMBER_HEADERS,
                *(
                    member_row("MECH001", 106, complete_ubn(f"{5300000 + i:07d}"), f"公司{i}")
                    for i in range(start, start + rows)
                ),
            ]
        }
    )
    file = io.BytesIO(data)
    file.name = "registry.xlsx"
    return file


def test_checked_shown_then_saved_in_the_background(client, people, ay, worker):
    client.force_login(people.office)
    response = client.post("/office/import/", {"workbook": registry(30)})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/office/import/{batch.pk}/"
    assert (batch.status, batch.total) == ("checking", 30)
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-working="true"' in waiting and "共 30 列" in waiting
    worker()
    batch.refresh_from_db()
    assert (batch.status, batch.done) == ("previewed", 30)
    preview = client.get(response["Location"]).content.decode()
    assert "儲存這些變更" in preview and Membership.objects.count() == 0
    client.post(response["Location"], {"apply": "1"})
    batch.refresh_from_db()
    assert batch.status == "applying"
    worker()
    batch.refresh_from_db()
    assert batch.status == "applied" and bytes(batch.content) == b""
    assert Membership.objects.count() == 30
    assert AuditEvent.objects.filter(action="import.applied", actor=people.office).count() == 1
    assert "新增 30 筆" in client.get(response["Location"]).content.decode()


def test_a_batch_is_its_owners_alone(client, people, ay, make_user):
    from tests.conftest import give_mfa

    batch = ImportBatch.objects.create(
        user=people.office, scope="office", filename="r.xlsx", content=b"PK", total=1
    )
    other = give_mfa(make_user("office2@example.org", programme_role="office"))
    client.force_login(other)
    assert client.get(f"/office/import/{batch.pk}/").status_code == 404
    assert client.post(f"/office/import/{batch.pk}/", {"apply": "1"}).status_code == 404
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_the_office_cap_is_the_office_rows_an_alliance_keeps_rows(client, people, ay, settings):
    settings.IMPORT_LIMITS = {"rows": 5, "office_rows": 40}
    client.force_login(people.pi)
    refused = client.post(
        f"/alliances/{people.alliance.pk}/members/import/", {"workbook": registry(6)}
    )
    assert "超過 5 列上限" in refused.content.decode()
    client.force_login(people.office)
    assert client.post("/office/import/", {"workbook": registry(40)}).status_code == 302
    too_many = client.post("/office/import/", {"workbook": registry(41)})
    assert "第 42 列超過 40 列上限" in too_many.content.decode()
    assert ImportBatch.objects.count() == 1


def test_a_registry_changed_since_the_preview_saves_nothing(client, people, ay, worker):
    client.force_login(people.office)
    location = client.post("/office/import/", {"workbook": registry(3)})["Location"]
    worker()
    # Meanwhile the alliance is given another code: the preview no longer holds.
    ay.alliance.code = "MECH999"
    ay.alliance.save(update_fields=["code"])
    client.post(location, {"apply": "1"})
    worker()
    batch = ImportBatch.objects.get()
    assert batch.status == "previewed" and Membership.objects.count() == 0
    page = client.get(location).content.decode()
    assert "未儲存任何資料" in page and "MECH001" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="progress is PostgreSQL's")
def test_progress_is_written_outside_the_import_transaction(transactional_db, people):
    batch = ImportBatch.objects.create(
        user=people.office, scope="office", filename="r.xlsx", content=b"PK", total=500
    )
    write = jobs.progress_writer(batch.pk)
    with transaction.atomic():
        write(200)  # as the import would, halfway through its one transaction
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT done FROM portal_importbatch WHERE id = %s", [batch.pk])
                assert cursor.fetchone() == (200,)
        finally:
            other.close()
        transaction.set_rollback(True)
    write.close()
    batch.refresh_from_db()
    assert batch.done == 200 and batch.percent == 40


def test_its_messages_are_in_the_language_of_the_page_that_sent_it(client, people, ay, worker):
    from django.conf import settings

    client.force_login(people.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the office works in English
    # A row that cannot be right: the worker's message comes back in English.
    wrong = io.BytesIO(
        workbook_bytes({"成員": [MEMBER_HEADERS, member_row("NOPE01", 106, "", "x")]})
    )
    wrong.name = "wrong.xlsx"
    location = client.post("/office/import/", {"workbook": wrong})["Location"]
    worker()
    page = client.get(location).content.decode()
    assert "NOPE01" in page and "There is no alliance-year" in page
