"""Registration for events: seats never beyond the capacity, a waiting list in order that
moves up on cancellation (with emails), deadlines, duplicates, who may register, and the
.ics and materials only for those who may see events."""

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import OutboundEmail
from events import selectors, services
from events.models import Event, Registration, RegistrationStatus
from events.services import EventError
from tests.event_helpers import alliance_with_pi, before_deadline, people_named, training


def test_seats_fill_then_registrations_wait_in_order_and_move_up(people, worker):
    event = training(people, capacity=3)
    second, pi2 = alliance_with_pi(people, 2)
    third, pi3 = alliance_with_pi(people, 3)
    with before_deadline():
        first = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲", "乙"), by=people.pi
        )
        big = services.register(
            event=event, alliance=second, attendees=people_named("丙", "丁"), by=pi2
        )
        small = services.register(event=event, alliance=third, attendees=people_named("戊"), by=pi3)
    assert first.status == RegistrationStatus.CONFIRMED
    # Two seats asked, one left: waits. The one-seat registration behind it waits too:
    # nobody passes the line.
    assert big.status == small.status == RegistrationStatus.WAITLISTED
    assert selectors.seats_taken(selectors.event_for_page(event.pk)) == 2
    worker()
    mail.outbox.clear()
    with before_deadline():
        services.registration_cancel(registration=first, by=people.pi)
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.status == small.status == RegistrationStatus.CONFIRMED  # 2 + 1 = 3 seats
    worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "METHOD:CANCEL" in by_address["pi@example.org"].attachments[0][1]
    for address in ("pi2@example.org", "pi3@example.org"):
        message = by_address[address]
        assert "METHOD:REQUEST" in message.attachments[0][1]
        assert "DTSTART:20170308T060000Z" in message.attachments[0][1]
    assert sum(r.seats for r in Registration.objects.filter(event=event, status="confirmed")) <= 3


def test_registering_twice_without_people_or_after_the_deadline_is_refused(people):
    event = training(people)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        with pytest.raises(EventError, match="已報名"):
            services.register(
                event=event, alliance=people.alliance, attendees=people_named("乙"), by=people.copi
            )
        with pytest.raises(EventError, match="至少"):
            services.register(
                event=event, alliance=people.other_alliance, attendees=[], by=people.other_pi
            )
    late = training(people, registration_deadline=dt.date(2017, 2, 20))
    with before_deadline(), pytest.raises(EventError, match="106.02.20"):
        services.register(
            event=late, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
    assert Registration.objects.count() == 1


def test_an_exchange_meeting_takes_the_alliances_of_its_fields_only(people):
    from alliances.models import Field

    event = services.event_save(
        event=Event(
            kind="exchange",
            title="機電材料領域觀摩交流會",
            programme_year=people.alliance_years[106].programme_year,
            date=dt.date(2017, 6, 22),
            capacity=100,
        ),
        fields=[Field.objects.get(code="mech")],
        by=people.office,
    )
    with before_deadline():
        with pytest.raises(EventError, match="機電材料"):
            services.register(
                event=event,
                alliance=people.other_alliance,  # civil
                attendees=people_named("甲"),
                by=people.other_pi,
            )
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )


def test_only_the_pi_co_pi_and_an_assistant_with_the_capability_register(client, people):
    event = training(people)
    url = reverse("event_register", kwargs={"event_id": event.pk})
    data = {"alliance": people.alliance.pk, "name_0": "甲"}
    with before_deadline():
        for who in ("assistant", "viewer", "reviewer", "outsider", "other_pi"):
            client.force_login(getattr(people, who))
            response = client.post(url, data)
            # the other PI may register, but not this alliance: a form error, nothing saved
            assert response.status_code in (400, 404), who
        assert not Registration.objects.exists()
        people.assistant_role.capabilities = ["ledger", "events"]
        people.assistant_role.save()
        client.force_login(people.assistant)
        assert client.post(url, data).status_code == 302
    assert Registration.objects.get().registered_by == people.assistant


def test_a_bad_registration_form_says_what_to_fix(client, people):
    event = training(people)
    client.force_login(people.pi)
    url = reverse("event_register", kwargs={"event_id": event.pk})
    with before_deadline():
        response = client.post(
            url, {"alliance": people.alliance.pk, "name_0": "甲", "email_0": "not-an-email"}
        )
        assert response.status_code == 400
        assert "請輸入有效的電子郵件地址" in response.content.decode()
        response = client.post(url, {"alliance": people.alliance.pk, "title_1": "經理"})
        assert response.status_code == 400
        assert "請填寫此人姓名，或清除此列" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_ics_and_materials_are_for_those_who_may_see_events(client, people):
    event = training(people)
    services.material_add(
        event=event,
        upload=SimpleUploadedFile("agenda.pdf", b"%PDF-1.4 agenda"),
        title="議程",
        by=people.office,
    )
    material = event.materials.get()
    urls = [
        reverse("event_ics", kwargs={"event_id": event.pk}),
        reverse("event_material", kwargs={"event_id": event.pk, "material_id": material.pk}),
        reverse("event_detail", kwargs={"event_id": event.pk}),
    ]
    for who in ("reviewer", "outsider", "pending"):
        client.force_login(getattr(people, who))
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
    client.force_login(people.assistant)
    body = client.get(urls[0]).content.decode()
    assert "METHOD:PUBLISH" in body and "DTSTART:20170308T060000Z" in body
    assert b"".join(client.get(urls[1]).streaming_content) == b"%PDF-1.4 agenda"


def test_a_month_only_event_shows_the_month_and_has_no_calendar_file_yet(client, people):
    event = training(
        people, date=dt.date(2017, 5, 1), date_precision="month", starts=None, ends=None
    )
    client.force_login(people.pi)
    page = client.get(reverse("event_detail", kwargs={"event_id": event.pk})).content.decode()
    assert "106.05" in page and "106.05.01" not in page
    response = client.get(reverse("event_ics", kwargs={"event_id": event.pk}))
    assert response.status_code == 302


def test_reminders_go_once_two_days_before(people, worker):
    event = training(people)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
    assert services.send_reminders(today=dt.date(2017, 3, 5)) == 0  # three days before
    assert services.send_reminders(today=dt.date(2017, 3, 6)) == 1
    reminders = OutboundEmail.objects.filter(template="event_reminder")
    assert sorted(m.to[0] for m in reminders) == ["copi@example.org", "pi@example.org"]
    # Run again, or the day after a missed run: nothing queued twice.
    services.send_reminders(today=dt.date(2017, 3, 6))
    services.send_reminders(today=dt.date(2017, 3, 7))
    assert reminders.count() == 2


def test_the_capacity_cannot_go_below_the_confirmed_seats(people):
    event = training(people, capacity=3)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲", "乙"), by=people.pi
        )
    event.capacity = 1
    with pytest.raises(EventError, match="2"):
        services.event_save(event=event, fields=[], by=people.office)


def test_attendance_is_marked_by_the_office_only(client, people):
    event = training(people)
    with before_deadline():
        registration = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲", "乙"), by=people.pi
        )
    first, second = registration.attendees.order_by("pk")
    url = reverse("event_attendance", kwargs={"event_id": event.pk})
    client.force_login(people.viewer)
    assert client.get(url).status_code == 200
    assert client.post(url, {f"attended_{first.pk}": "yes"}).status_code == 404
    client.force_login(people.office)
    client.post(url, {f"attended_{first.pk}": "yes", f"attended_{second.pk}": "no"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attended, second.attended) == (True, False)


def test_cancelling_an_event_tells_everyone_registered(people, worker):
    event = training(people, capacity=1)
    second, pi2 = alliance_with_pi(people, 2)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        services.register(event=event, alliance=second, attendees=people_named("乙"), by=pi2)
    worker()
    mail.outbox.clear()
    with pytest.raises(EventError):
        services.event_cancel(event=event, by=people.office, reason="")
    services.event_cancel(event=event, by=people.office, reason="颱風停班停課")
    worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    assert "METHOD:CANCEL" in by_address["pi@example.org"].attachments[0][1]
    assert not by_address["pi2@example.org"].attachments  # waiting: no calendar entry to remove
    assert "颱風停班停課" in by_address["pi2@example.org"].body
    with before_deadline(), pytest.raises(EventError):
        services.register(
            event=event,
            alliance=people.other_alliance,
            attendees=people_named("丙"),
            by=people.other_pi,
        )
    with pytest.raises(EventError):
        services.attendance_mark(event=event, marks={}, by=people.office)


def test_a_registration_larger_than_the_event_is_refused_and_never_blocks_the_line(people):
    event = training(people, capacity=3)
    with before_deadline():
        with pytest.raises(EventError, match="3"):
            services.register(
                event=event,
                alliance=people.alliance,
                attendees=people_named("甲", "乙", "丙", "丁"),
                by=people.pi,
            )
        small = services.register(
            event=event,
            alliance=people.other_alliance,
            attendees=people_named("戊"),
            by=people.other_pi,
        )
    assert small.status == RegistrationStatus.CONFIRMED


def test_the_capacity_cannot_drop_below_a_waiting_registration(people):
    event = training(people, capacity=2)
    second, pi2 = alliance_with_pi(people, 2)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        services.register(event=event, alliance=second, attendees=people_named("乙", "丙"), by=pi2)
    event.capacity = 1
    with pytest.raises(EventError):
        services.event_save(event=event, fields=[], by=people.office)


def test_moving_an_event_and_adding_seats_moves_the_line_up(people, worker):
    event = training(people, capacity=1)
    second, pi2 = alliance_with_pi(people, 2)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        waiting = services.register(
            event=event, alliance=second, attendees=people_named("乙"), by=pi2
        )
        event.capacity, event.starts, event.ends = 2, dt.time(9, 30), dt.time(11, 30)
        services.event_save(event=event, fields=[], by=people.office)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    worker()
    changed = [m for m in mail.outbox if m.to == ["pi@example.org"] and "變更" in m.subject]
    assert changed and "SEQUENCE:1" in changed[0].attachments[0][1]


def test_a_cancelled_event_stays_cancelled_and_its_line_does_not_move(people, worker):
    event = training(people, capacity=1)
    second, pi2 = alliance_with_pi(people, 2)
    with before_deadline():
        first = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        waiting = services.register(
            event=event, alliance=second, attendees=people_named("乙"), by=pi2
        )
        stale = Event.objects.get(pk=event.pk)
        services.event_cancel(event=event, by=people.office, reason="場地維修")
        stale.venue = "別的教室"
        with pytest.raises(EventError, match="已取消"):
            services.event_save(event=stale, fields=[], by=people.office)
        with pytest.raises(EventError):
            services.registration_cancel(registration=first, by=people.pi)
        services.registration_cancel(registration=first, by=people.office)  # the office may
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert Event.objects.get(pk=event.pk).status == "cancelled"


def test_a_month_only_event_closes_after_its_month(people):
    event = training(
        people,
        date=dt.date(2017, 5, 1),
        date_precision="month",
        starts=None,
        ends=None,
        registration_deadline=None,
    )
    import time_machine

    from tests.event_helpers import TAIPEI

    with time_machine.travel(dt.datetime(2017, 5, 31, 12, tzinfo=TAIPEI), tick=False):
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
    with (
        time_machine.travel(dt.datetime(2017, 6, 1, 12, tzinfo=TAIPEI), tick=False),
        pytest.raises(EventError, match="已結束"),
    ):
        services.register(
            event=event,
            alliance=people.other_alliance,
            attendees=people_named("乙"),
            by=people.other_pi,
        )
    with pytest.raises(EventError, match="日期"):
        services.attendance_mark(event=event, marks={}, by=people.office)


def test_emails_keep_names_as_typed(people, worker):
    event = training(people, title="A & B <產學> 說明會")
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("O'Neil"), by=people.pi
        )
    worker()
    message = next(m for m in mail.outbox if m.to == ["pi@example.org"])
    assert "A & B <產學> 說明會" in message.subject and "O'Neil" in message.body
    assert "&amp;" not in message.subject + message.body


def test_another_alliance_cannot_cancel_a_registration_even_by_url(client, people):
    event = training(people)
    other = training(people, title="另一場")
    with before_deadline():
        registration = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        client.force_login(people.other_pi)
        url = reverse(
            "registration_cancel", kwargs={"event_id": event.pk, "registration_id": registration.pk}
        )
        assert client.post(url).status_code == 404
        client.force_login(people.pi)
        mismatched = reverse(
            "registration_cancel", kwargs={"event_id": other.pk, "registration_id": registration.pk}
        )
        assert client.post(mismatched).status_code == 404
        client.force_login(people.viewer)
        assert client.post(url).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_attendance_left_off_a_post_stays_as_it_was(client, people):
    event = training(people)
    with before_deadline():
        registration = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲", "乙"), by=people.pi
        )
    first, second = registration.attendees.order_by("pk")
    client.force_login(people.office)
    url = reverse("event_attendance", kwargs={"event_id": event.pk})
    client.post(url, {f"attended_{first.pk}": "yes", f"attended_{second.pk}": "yes"})
    client.post(url, {f"attended_{first.pk}": "no"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attended, second.attended) == (False, True)
    response = client.post(url, {f"attended_{first.pk}": "maybe"}, follow=True)
    assert "請將每位出席者標示為出席、缺席或尚未登錄" in response.content.decode()


def test_a_material_whose_file_is_gone_is_404_not_500(client, people):
    event = training(people)
    material = services.material_add(
        event=event, upload=SimpleUploadedFile("a.pdf", b"%PDF"), title="議程", by=people.office
    )
    material.file.delete(save=False)
    client.force_login(people.pi)
    url = reverse("event_material", kwargs={"event_id": event.pk, "material_id": material.pk})
    assert client.get(url).status_code == 404


def test_the_activities_page_links_every_reader_to_the_ledger(client, people):
    client.force_login(people.viewer)
    page = client.get("/office/events/activities/?year=106").content.decode()
    assert client.get("/office/events/activities/?year=106").status_code == 200
    for href in [h.split('"')[0] for h in page.split('href="/alliances/')[1:]]:
        assert client.get("/alliances/" + href).status_code == 200


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("pi", "/events/?year=106"),
        ("office", "/events/?year=106"),
        ("office", "/events/{event}/"),
        ("pi", "/events/{event}/"),
        ("office", "/office/events/duties/?year=106"),
        ("office", "/office/events/{event}/attendance/"),
    ],
)
def test_event_pages_run_the_same_queries_for_more_events_and_registrations(
    client, people, who, path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event = training(people, capacity=40)
    with before_deadline():
        services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
    client.force_login(getattr(people, who))
    url = path.format(event=event.pk)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 8):
        alliance, pi = alliance_with_pi(people, n)
        with before_deadline():
            services.register(
                event=event, alliance=alliance, attendees=people_named("乙", "丙"), by=pi
            )
        training(people, title=f"場次{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_every_event_action_has_a_readable_label(people):
    from core.audit import ACTION_LABELS
    from core.models import AuditEvent

    event = training(people)
    with before_deadline():
        registration = services.register(
            event=event, alliance=people.alliance, attendees=people_named("甲"), by=people.pi
        )
        services.registration_cancel(registration=registration, by=people.pi)
    actions = set(
        AuditEvent.objects.filter(action__startswith="event.").values_list("action", flat=True)
    )
    assert actions == {"event.created", "event.registered", "event.registration_cancelled"}
    assert actions <= set(ACTION_LABELS)
