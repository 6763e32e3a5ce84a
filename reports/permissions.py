"""Who sees which report (the reports issue, point 6).

| who                          | aggregates | alliances named in drill-downs and lists |
|------------------------------|------------|------------------------------------------|
| office, department viewer    | yes        | every alliance                           |
| PI, co-PI                    | yes        | their own alliances only                 |
| reviewer                     | yes        | those of the site visits assigned to them |
| assistant, outsider          | 404        |                                          |

Exports: the printable report (aggregates and charts only) for every reader of reports;
the summary workbook, whose raw sheet names every alliance, and the registry workbook
(every alliance's members and ledger) for those who see them all. An auditor's dossier
of an alliance-year (the dossier package): the office and the department for any
alliance, the PI for their own (not co-PIs, assistants or reviewers). An export is its
owner's alone.
"""

from accounts.permissions import is_reviewer
from alliances.models import TeamRole
from alliances.permissions import active_roles, is_programme_reader, role_in
from inspections.permissions import reviewer_alliances


def _leading(user) -> list[int]:
    return [
        alliance_id
        for alliance_id, role in active_roles(user).items()
        if role.role in (TeamRole.PI, TeamRole.CO_PI)
    ]


def can_see_reports(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return is_programme_reader(user) or is_reviewer(user) or bool(_leading(user))


def named_alliances(user) -> list[int] | None:
    """The alliances a user may see named with their figures: None for all of them. A
    reviewer's are the alliances of the site visits assigned to them (not cancelled)."""
    if is_programme_reader(user):
        return None
    if is_reviewer(user):
        return sorted(set(reviewer_alliances(user)) | set(_leading(user)))
    return _leading(user)


def can_have_dossier(user, alliance_id: int) -> bool:
    """An alliance-year's auditor's dossier: programme readers, and the alliance's PI."""
    if is_programme_reader(user):
        return True
    role = role_in(user, alliance_id)
    return role is not None and role.role == TeamRole.PI


def can_export(user, kind: str, alliance_id: int | None = None) -> bool:
    from reports.models import ExportKind

    if kind == ExportKind.DOSSIER_ZIP:
        return alliance_id is not None and can_have_dossier(user, alliance_id)
    if not can_see_reports(user):
        return False
    if kind in (ExportKind.SUMMARY_XLSX, ExportKind.REGISTRY_XLSX):
        return named_alliances(user) is None
    return kind == ExportKind.REPORT_PDF


def can_see_export(user, export) -> bool:
    return getattr(user, "is_authenticated", False) and export.owner_id == user.pk
