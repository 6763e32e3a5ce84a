"""Every change to an event, its registrations and attendance, and to announcements: one
transaction each, with its audit event and the emails it causes. One module per part: base
(shared helpers and dates), mail (calendar files and registration emails), events,
registrations, attendance, reminders, announcements.
"""

# ruff: noqa: F401

from events.services.announcements import (
    announcement_email,
    announcement_post,
    audience,
)
from events.services.attendance import (
    attendance_mark,
)
from events.services.base import (
    MAX_ATTENDEES,
    REMINDER_DAYS,
    EventError,
    absolute_url,
    audit_event,
    event_url,
    is_over,
    last_day,
    locked_event,
    open_for_registration,
    outside_programme_year,
    when_label,
)
from events.services.events import (
    event_cancel,
    event_save,
    material_add,
)
from events.services.mail import (
    calendar_file,
    mail_registration,
)
from events.services.registrations import (
    promote_waiting,
    register,
    registration_cancel,
    seats_taken,
)
from events.services.reminders import (
    send_reminders,
)
