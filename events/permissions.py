"""Who may see and do what with events and announcements (404, never 403).

| who                            | events, .ics, materials | register  | attendance, duties |
|--------------------------------|-------------------------|-----------|--------------------|
| office                         | all                     | any       | marks, reads       |
| department viewer              | all                     | no        | reads              |
| PI, co-PI                      | all                     | their own | no                 |
| assistant "register for events"| all                     | their own | no                 |
| other approved assistants      | all                     | no        | no                 |
| reviewers, outsiders           | 404                     |           |                    |

A field exchange meeting takes registrations from the alliances of its fields only.
Announcements: the office and department read all; others those addressed to them (every
one, or their roles, or their alliances' fields).
"""

from accounts.permissions import is_office
from alliances.models import Capability
from alliances.permissions import active_roles, is_programme_reader


def can_see_events(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return is_programme_reader(user) or bool(active_roles(user))


def can_manage(user) -> bool:
    return is_office(user)


def registrable_alliances(user, event=None) -> list:
    """The alliances `user` may register for `event` (or any event): theirs where they are
    PI, co-PI or an assistant with the capability; for the office, every alliance."""
    from alliances.models import Alliance

    if is_office(user):
        qs = Alliance.objects.all()
        if event is not None:  # the alliances in the programme that year or the one before
            year = event.programme_year.roc_year
            qs = qs.filter(years__programme_year__roc_year__in=[year, year - 1]).distinct()
    else:
        ids = [
            alliance_id
            for alliance_id, role in active_roles(user).items()
            if role.has_capability(Capability.EVENTS)
        ]
        qs = Alliance.objects.filter(pk__in=ids)
    if event is not None and event.kind == "exchange":
        qs = qs.filter(field__in=event.fields.all())
    return list(qs.select_related("field").order_by("field__order", "code", "name_zh"))


def can_register(user, alliance, event=None) -> bool:
    if is_office(user):
        return True
    role = active_roles(user).get(alliance.pk if hasattr(alliance, "pk") else alliance)
    return role is not None and role.has_capability(Capability.EVENTS)


def matches(announcement, *, role: str, field_id: int | None, chosen_fields=None) -> bool:
    """One role of a person against an announcement's audience: an alliance role (with its
    alliance's field) or a programme role (field None). Chosen roles must include it;
    chosen fields must include its alliance's field — programme roles have none. The same
    rule decides who reads an announcement and who is emailed it."""
    if announcement.roles and role not in announcement.roles:
        return False
    if chosen_fields is None:
        chosen_fields = {f.pk for f in announcement.fields.all()}
    return not chosen_fields or field_id in chosen_fields


def is_addressed(user, announcement) -> bool:
    """Everyone with a role in the programme, or the chosen roles, narrowed to the chosen
    fields. The office and the department read every announcement; an account with no
    role (yet) none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_programme_reader(user):
        return True
    chosen = {f.pk for f in announcement.fields.all()}
    held = [(r.role, r.alliance.field_id) for r in active_roles(user).values()]
    if user.programme_role:
        held.append((user.programme_role, None))
    return any(
        matches(announcement, role=role, field_id=field_id, chosen_fields=chosen)
        for role, field_id in held
    )


def addressed_to(user, limit: int | None = None, within_days: int | None = None) -> list:
    """The announcements addressed to `user`, newest first (two queries: announcements are
    tens a year, so the audience is matched here rather than in SQL); `within_days` keeps
    only the recent ones (the dashboard)."""
    import datetime as dt

    from django.utils import timezone

    from events.models import Announcement

    if not getattr(user, "is_authenticated", False):
        return []
    qs = Announcement.objects.prefetch_related("fields", "attachments")
    if within_days:
        qs = qs.filter(published_at__gte=timezone.now() - dt.timedelta(days=within_days))
    found = [a for a in qs if is_addressed(user, a)]
    return found[:limit] if limit else found
