"""Two registrations racing for the last seat (PostgreSQL): the event row is locked while
seats are counted, so one gets the seat and the other waits in line; a cancellation moves
the waiting one up and emails them."""

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from events import services
from events.models import Registration, RegistrationStatus
from tests.event_helpers import alliance_with_pi, before_deadline, people_named, training


@pytest.fixture
def postgresql(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL, which CI runs")


def test_two_registrations_for_the_last_seat_one_seat_one_waitlist(postgresql, people, worker):
    event = training(people, capacity=2)
    second, pi2 = alliance_with_pi(people, 2)
    with before_deadline():
        services.register(
            event=event,
            alliance=people.other_alliance,
            attendees=people_named("甲"),
            by=people.other_pi,
        )  # one seat left
    holding, release = threading.Event(), threading.Event()
    results, errors = {}, []

    def first():
        try:
            with before_deadline(), transaction.atomic():
                results["first"] = services.register(
                    event=event,
                    alliance=people.alliance,
                    attendees=people_named("乙"),
                    by=people.pi,
                )
                holding.set()
                release.wait(10)  # still in its transaction: the event row stays locked
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def second_():
        holding.wait(10)
        try:
            with before_deadline():
                results["second"] = services.register(
                    event=event, alliance=second, attendees=people_named("丙"), by=pi2
                )
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    a, b = threading.Thread(target=first), threading.Thread(target=second_)
    a.start()
    b.start()
    b.join(1.0)
    assert b.is_alive(), "the second registration did not wait for the first's lock"
    release.set()
    a.join(20)
    b.join(20)
    assert not errors, errors
    assert results["first"].status == RegistrationStatus.CONFIRMED
    assert results["second"].status == RegistrationStatus.WAITLISTED
    confirmed = Registration.objects.filter(event=event, status="confirmed")
    assert sum(r.seats for r in confirmed) == 2  # never beyond the capacity

    worker()
    mail.outbox.clear()
    with before_deadline():
        services.registration_cancel(registration=results["first"], by=people.pi)
    moved = Registration.objects.get(pk=results["second"].pk)
    assert moved.status == RegistrationStatus.CONFIRMED
    worker()
    [promoted] = [m for m in mail.outbox if m.to == ["pi2@example.org"]]
    assert promoted.attachments[0][0] == "event.ics"
