"""State changes of alliances and their teams. Each service runs in one transaction, checks
who may act (404 for those who may not see the alliance, TeamError for a refusal people
should read) and writes exactly one audit event for the change it makes. One module per
part: base, assistants, appointments (PIs and co-PIs), profile, years.
"""

# ruff: noqa: F401

from alliances.services.appointments import (
    co_pi_appoint,
    pi_assign,
    pi_handover,
)
from alliances.services.assistants import (
    assistant_approve,
    assistant_register,
    assistant_reject,
    assistant_set_capabilities,
    registration_attempted,
    role_revoke,
)
from alliances.services.base import (
    NO_ROLE,
    TeamError,
    absolute_url,
    clean_capabilities,
    locked_role,
    role_snapshot,
    tell_managers,
)
from alliances.services.profile import (
    profile_data,
    profile_decide,
    profile_propose,
)
from alliances.services.years import (
    PROGRAMME_YEAR_FIELDS,
    alliance_year_save,
    programme_year_save,
)
