"""Every change to a site visit, its forms and the awards: one transaction each, with its
audit event, and the emails it causes queued in the same transaction. One module per part:
base (shared helpers), invitations, scheduling, conflicts (of interest), attendees, forms,
results, awards.

Refusals raise VisitError with a message for the person who tried; a caller who may not
act at all gets Http404 (accounts.permissions.require).
"""

# ruff: noqa: F401

from inspections.services.attendees import (
    attendee_add,
    attendee_remove,
    resolve_firm,
)
from inspections.services.awards import (
    AwardNeedsConfirmation,
    award_select,
    awards_publish,
)
from inspections.services.base import (
    MAX_TEXT,
    VisitError,
    absolute_url,
    alliance_of,
    audit_visit,
    locked_visit,
    visit_state,
    visit_url,
)
from inspections.services.conflicts import (
    affiliation_add,
    affiliation_remove,
    check_assignment,
    declare_conflict,
    declare_no_conflict,
    has_declared,
    record_overrides,
)
from inspections.services.forms import (
    form_return,
    form_save,
)
from inspections.services.invitations import (
    calendar_file,
    invitees,
    send_invitations,
)
from inspections.services.results import (
    visit_consolidate,
    visit_reopen,
    visit_share,
)
from inspections.services.scheduling import (
    visit_cancel,
    visit_change,
    visit_schedule,
)
