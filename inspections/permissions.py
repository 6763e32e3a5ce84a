"""Who may see and do what with site visits (the site-visits issue; 404, never 403).

| who                 | visits                  | forms              | result, PDF          |
|---------------------|-------------------------|--------------------|----------------------|
| office              | all; schedules, acts    | all; returns       | yes; shares          |
| department viewer   | all, read only          | all, read only     | yes                  |
| reviewer            | those assigned to them  | their own only     | no                   |
|   (withdrawn for a conflict of interest: no longer assigned, their form is gone)  |
| the alliance's team | their alliance's visits | no                 | the shared summary   |
| anyone else         | 404                     |                    |                      |

(The visit's staff are office or department people, who read every visit anyway.)

The alliance's PI and co-PIs (and the office) keep the list of attendees while the visit
is open. Reviewers are never named to the alliance unless the office chooses so.
"""

from accounts.permissions import is_office, is_reviewer
from alliances.models import TeamRole
from alliances.permissions import is_programme_reader, role_in


def _assigned_form(user, visit):
    if not is_reviewer(user):
        return None
    forms = getattr(visit, "_prefetched_objects_cache", {}).get("forms")
    if forms is not None:
        return next((f for f in forms if f.reviewer_id == user.pk), None)
    return visit.forms.filter(reviewer=user).first()


def can_see_visit(user, visit) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_programme_reader(user):
        return True
    if _assigned_form(user, visit) is not None:
        return True
    return role_in(user, visit.alliance_year.alliance_id) is not None


def can_manage(user) -> bool:
    """Schedule, change and cancel visits; return forms; record results; awards."""
    return is_office(user)


def keeps_attendees(user, visit) -> bool:
    """Who keeps the list of attendees (whatever the visit's state): the office and the
    alliance's PI and co-PIs."""
    if is_office(user):
        return True
    role = role_in(user, visit.alliance_year.alliance_id)
    return role is not None and role.role in (TeamRole.PI, TeamRole.CO_PI)


def can_edit_attendees(user, visit) -> bool:
    """…and may change it now: while the visit is open."""
    return visit.is_open and keeps_attendees(user, visit)


def can_see_form(user, form) -> bool:
    """A form: its reviewer (while they are a reviewer), the office and the department."""
    if is_programme_reader(user):
        return True
    return is_reviewer(user) and form.reviewer_id == user.pk


def can_fill_form(user, form) -> bool:
    return is_reviewer(user) and form.reviewer_id == user.pk and not form.is_locked


def can_keep_affiliations(user, reviewer) -> bool:
    """A reviewer's affiliations (conflicts of interest): kept by the reviewer and the office."""
    if is_office(user):
        return True
    return is_reviewer(user) and reviewer.pk == user.pk


def can_see_affiliations(user, reviewer) -> bool:
    """…and read by the department as well."""
    return can_keep_affiliations(user, reviewer) or is_programme_reader(user)


def can_see_result(user, visit) -> bool:
    """The forms side by side and the consolidated result, reviewers named."""
    return is_programme_reader(user)


def can_see_summary(user, visit) -> bool:
    """The summary the office shared: the programme, and the alliance's team once shared."""
    if is_programme_reader(user):
        return visit.status == "consolidated"
    return visit.is_shared and role_in(user, visit.alliance_year.alliance_id) is not None


def reviewer_alliances(user) -> list[int]:
    """The alliances of the visits a reviewer is assigned to (reports name them)."""
    if not is_reviewer(user):
        return []
    from inspections.models import ReviewForm, VisitStatus

    return list(
        ReviewForm.objects.filter(reviewer=user)
        .exclude(visit__status=VisitStatus.CANCELLED)
        .values_list("visit__alliance_year__alliance_id", flat=True)
        .distinct()
    )
