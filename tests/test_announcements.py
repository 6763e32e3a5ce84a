"""Announcements (公告, issue 11 point 5): the office posts a notice with attachments to
everyone or to chosen roles or fields; exactly the people addressed see it on the
announcement pages and their dashboard, fetch its attachments and get its email; the rest
get 404. A bad post answers 400 and saves nothing."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alliances.models import Field
from core.models import AuditEvent, OutboundEmail
from events import services
from events.models import Announcement, AnnouncementAttachment

EVERYONE = ("pi", "copi", "assistant", "other_pi", "reviewer", "viewer", "office", "outsider")
NOBODY_ELSE = ("pending", "revoked")  # an assistant not approved, or no longer
PDF = b"%PDF-1.4\n%announcement\n"


def _stored_files() -> set[str]:
    """Every file under the announcements' folder of the private storage."""
    root = Path(AnnouncementAttachment._meta.get_field("file").storage.path("announcements"))
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _post(client, people, **changes):
    client.force_login(people.office)
    data = {
        "title": "107年度第一次領域觀摩交流會",
        "body": "請各聯盟於 107.03.08 前報名。\n議程如附件。",
        "files": [SimpleUploadedFile("議程.pdf", PDF, content_type="application/pdf")],
        "email_now": "on",
    }
    data.update(changes)
    return client.post(reverse("announcement_new"), data)


def _sees(client, user, announcement) -> dict:
    """What `user` gets: the list, the dashboard, the page and the attachment."""
    client.force_login(user)
    attachment = announcement.attachments.get()
    detail = reverse("announcement_detail", kwargs={"nid": announcement.pk})
    file_url = reverse("announcement_file", args=[announcement.pk, attachment.pk])
    listing = client.get(reverse("announcement_list"))
    assert listing.status_code == 200
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    return {
        "list": announcement.title in listing.content.decode(),
        "dashboard": announcement.title in dashboard.content.decode(),
        "detail": client.get(detail).status_code,
        "file": client.get(file_url).status_code,
    }


@pytest.mark.parametrize(
    ("audience", "addressed", "emailed"),
    [
        (
            {},
            {"pi", "copi", "assistant", "other_pi", "reviewer", "viewer", "office"},
            {"pi", "copi", "assistant", "other_pi", "reviewer", "other_reviewer", "viewer"}
            | {"office"},
        ),
        ({"roles": ["pi"]}, {"pi", "other_pi", "viewer", "office"}, {"pi", "other_pi"}),
        (
            {"fields": ["mech"]},
            {"pi", "copi", "assistant", "viewer", "office"},
            {"pi", "copi", "assistant"},
        ),
    ],
    ids=["everyone", "pis-only", "mech-field-only"],
)
def test_the_people_addressed_see_it_and_get_it_by_email(
    client, people, worker, audience, addressed, emailed
):
    changes = dict(audience)
    if "fields" in changes:
        changes["fields"] = [Field.objects.get(code=c).pk for c in changes["fields"]]
    response = _post(client, people, **changes)
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("announcement_detail", kwargs={"nid": announcement.pk})
    assert announcement.emailed_at is not None
    assert announcement.created_by == people.office
    assert AuditEvent.objects.filter(action="announcement.posted").count() == 1

    # The email: exactly the people addressed (the office and the department are not
    # addressed by a notice to PIs or to a field), each once, with the attachment.
    worker()
    expected = {getattr(people, who).email for who in emailed}
    recipients = [address for message in mail.outbox for address in message.to]
    assert sorted(recipients) == sorted(expected)
    for message in mail.outbox:
        assert announcement.title in message.subject
        assert "請各聯盟於 107.03.08 前報名。" in message.body
        assert reverse("announcement_detail", kwargs={"nid": announcement.pk}) in message.body
        assert [(name, content) for name, content, _type in message.attachments] == [
            ("議程.pdf", PDF)
        ]

    # The pages.
    for who in EVERYONE + NOBODY_ELSE:
        seen = _sees(client, getattr(people, who), announcement)
        if who in addressed:
            assert seen == {"list": True, "dashboard": True, "detail": 200, "file": 200}, who
        else:
            assert seen == {"list": False, "dashboard": False, "detail": 404, "file": 404}, who


def test_the_attachment_is_the_file_posted_and_belongs_to_its_announcement(client, people):
    first = services.announcement_post(
        title="第一則", body="內文", roles=[], fields=[], by=people.office,
        files=[ContentFile(PDF, name="簡章.pdf")],
    )  # fmt: skip
    second = services.announcement_post(
        title="第二則", body="內文", roles=["pi"], fields=[], by=people.office, files=[]
    )
    attachment = first.attachments.get()
    client.force_login(people.pi)
    response = client.get(reverse("announcement_file", args=[first.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # The attachment under another announcement's address: 404, even when that one is
    # addressed to the user too.
    wrong = reverse("announcement_file", args=[second.pk, attachment.pk])
    assert client.get(wrong).status_code == 404
    missing = reverse("announcement_detail", kwargs={"nid": second.pk + 100})
    assert client.get(missing).status_code == 404


def test_the_list_is_newest_first_and_anonymous_people_log_in(client, people):
    for title in ("較早的公告", "較新的公告"):
        services.announcement_post(
            title=title, body="內文", roles=[], fields=[], files=[], by=people.office
        )
    client.force_login(people.copi)
    page = client.get(reverse("announcement_list")).content.decode()
    assert page.index("較新的公告") < page.index("較早的公告")
    client.logout()
    for url in (
        reverse("announcement_list"),
        reverse("announcement_detail", kwargs={"nid": Announcement.objects.first().pk}),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_someone_without_a_role_gets_an_empty_page(client, people):
    services.announcement_post(
        title="給所有人的公告", body="內文", roles=[], fields=[], files=[], by=people.office
    )
    announcement = Announcement.objects.get()
    client.force_login(people.outsider)
    listing = client.get(reverse("announcement_list"))
    assert listing.status_code == 200
    assert "給所有人的公告" not in listing.content.decode()
    assert "給所有人的公告" not in client.get(reverse("dashboard")).content.decode()
    detail = reverse("announcement_detail", kwargs={"nid": announcement.pk})
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize(
    "changes",
    [
        {"title": ""},
        {"body": "   "},
        {"roles": ["nobody"]},
        {"files": "small and 21 MB"},
    ],
    ids=["no-title", "blank-text", "unknown-role", "21-MB-file"],
)
def test_a_bad_post_answers_400_and_saves_nothing(client, people, changes):
    if changes.get("files"):
        changes["files"] = [
            SimpleUploadedFile("small.pdf", PDF),
            SimpleUploadedFile("big.pdf", b"\0" * (21 * 1024 * 1024)),
        ]
    before = _stored_files()
    response = _post(client, people, **changes)
    assert response.status_code == 400
    assert not Announcement.objects.exists()
    assert not AnnouncementAttachment.objects.exists()
    assert not OutboundEmail.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="announcement.").exists()
    assert _stored_files() == before  # the small file saved before the big one is gone


def test_only_the_office_posts(client, people):
    for who in ("viewer", "pi", "reviewer", "outsider"):
        client.force_login(getattr(people, who))
        assert client.get(reverse("announcement_new")).status_code == 404
        assert (
            client.post(reverse("announcement_new"), {"title": "x", "body": "y"}).status_code == 404
        )
    assert not Announcement.objects.exists()
    client.force_login(people.office)
    assert client.get(reverse("announcement_new")).status_code == 200


def test_emailing_is_a_post_of_the_office(client, people, worker):
    announcement = services.announcement_post(
        title="平台操作說明會", body="內文", roles=["co_pi"], fields=[], files=[], by=people.office
    )
    url = reverse("announcement_email", kwargs={"nid": announcement.pk})
    client.force_login(people.office)
    assert client.get(url).status_code == 405
    for who in ("viewer", "pi", "copi", "outsider"):
        client.force_login(getattr(people, who))
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not OutboundEmail.objects.exists()

    client.force_login(people.office)
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("announcement_detail", kwargs={"nid": announcement.pk})
    announcement.refresh_from_db()
    assert announcement.emailed_at is not None
    # Again: nobody gets it twice.
    client.post(url)
    worker()
    assert [m.to for m in mail.outbox] == [[people.copi.email]]


def test_emailing_an_announcement_nobody_gets_says_so(client, people):
    announcement = services.announcement_post(
        title="只給產學司的領域公告",
        body="內文",
        roles=["viewer"],
        fields=[Field.objects.get(code="mech")],
        files=[],
        by=people.office,
    )
    client.force_login(people.office)
    response = client.post(reverse("announcement_email", kwargs={"nid": announcement.pk}))
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.emailed_at is None and not OutboundEmail.objects.exists()
    assert len(list(get_messages(response.wsgi_request))) == 1


def test_the_dashboard_runs_as_many_queries_with_10_announcements_as_with_1(client, people):
    mech = Field.objects.get(code="mech")

    def add(n):
        for i in range(n):
            services.announcement_post(
                title=f"公告{Announcement.objects.count() + 1:02d}",
                body="內文",
                roles=["pi", "co_pi"] if i % 2 else [],
                fields=[mech] if i % 3 else [],
                files=[ContentFile(PDF, name=f"附件{i}.pdf")],
                by=people.office,
            )

    counts = {}
    for who in ("pi", "office"):
        client.force_login(getattr(people, who))
        for n, more in ((1, 1), (10, 9)):
            add(more)
            for url in (reverse("dashboard"), reverse("announcement_list")):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200
                counts[who, url, n] = len(queries.captured_queries)
            page = client.get(reverse("dashboard")).content.decode()
            assert page.count(reverse("announcement_list") + '"') == 1  # the link to all
        Announcement.objects.all().delete()
    for (who, url, n), count in counts.items():
        if n == 10:
            assert count == counts[who, url, 1], (who, url, counts)


def test_the_dashboard_lists_the_five_newest(client, people):
    for i in range(7):
        services.announcement_post(
            title=f"第{i + 1}則公告", body="內文", roles=[], fields=[], files=[], by=people.office
        )
    client.force_login(people.pi)
    page = client.get(reverse("dashboard")).content.decode()
    shown = [i for i in range(1, 8) if f"第{i}則公告" in page]
    assert shown == [3, 4, 5, 6, 7]
    assert reverse("announcement_list") in page


def test_nothing_shows_on_the_dashboard_without_announcements(client, people):
    client.force_login(people.pi)
    page = client.get(reverse("dashboard")).content.decode()
    assert reverse("announcement_list") not in page


def test_who_reads_an_announcement_is_who_is_emailed_it(people, worker):
    """An assistant of a mech alliance who is a co-PI of a civil alliance: an announcement
    to assistants of civil alliances reaches neither their screen nor their inbox."""
    from alliances.models import AllianceRole, Field
    from events import permissions, services

    AllianceRole.objects.create(
        alliance=people.other_alliance, user=people.assistant, role="co_pi", status="active"
    )
    announcement = services.announcement_post(
        title="土木能環助理說明",
        body="請各助理留意。",
        roles=["assistant"],
        fields=[Field.objects.get(code="civil")],
        files=[],
        by=people.office,
    )
    emailed = {u.email for u in services.audience(announcement)}
    for user in (people.assistant, people.pi, people.other_pi, people.copi):
        user.refresh_from_db()
        assert permissions.is_addressed(user, announcement) == (user.email in emailed), user
    assert "assistant@example.org" not in emailed
