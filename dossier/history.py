"""The routing history of an alliance-year for the dossier (who did what, when): each
filing's transitions (from → to, version, comment) and the audit trail of the year's
filings, audit records, assessment and — for the programme — site visits, oldest first.
What the PI's own dossier holds is what the PI may see on the portal: no internal notes,
nothing of the site visit's workings."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import action_label
from core.models import AuditEvent
from inspections.models import SiteVisit
from kpi.models import Assessment, AuditRecord, Filing, FilingState, FilingTransition


def headers() -> list[str]:
    return [
        _("When"),
        _("Who"),
        _("Source"),
        _("Concerning"),
        _("Action"),
        _("State before"),
        _("State after"),
        _("Version"),
        _("Comment or reason"),
    ]


def _person(user) -> str:
    if user is None:
        return ""
    return f"{user.name} <{user.email}>" if user.name else user.email


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _state(value: str) -> str:
    return str(FilingState(value).label) if value else ""


def _targets(ay, *, programme: bool) -> dict[int, list[str]]:
    """The year's objects whose audit events belong in the history, by content type."""
    filings = list(Filing.objects.filter(alliance_year=ay).values_list("pk", flat=True))
    models = {
        Filing: filings,
        AuditRecord: list(
            AuditRecord.objects.filter(filing__in=filings).values_list("pk", flat=True)
        ),
        Assessment: list(Assessment.objects.filter(alliance_year=ay).values_list("pk", flat=True)),
    }
    if programme:
        models[SiteVisit] = list(
            SiteVisit.objects.filter(alliance_year=ay).values_list("pk", flat=True)
        )
    return {
        ContentType.objects.get_for_model(model).pk: [str(pk) for pk in pks]
        for model, pks in models.items()
        if pks
    }


def rows(ay, *, programme: bool) -> list[list]:
    """The history's rows, oldest first. `programme`: the dossier is for the office or
    the department (internal notes and site-visit events included)."""
    transitions = FilingTransition.objects.filter(filing__alliance_year=ay).select_related(
        "by", "filing"
    )
    if not programme:
        transitions = transitions.filter(internal=False)
    found = []
    for t in transitions:
        found.append(
            (
                t.at,
                [
                    _when(t.at),
                    _person(t.by),
                    _("Filing routing"),
                    t.filing.get_kind_display(),
                    _("Internal note") if t.internal else _("Moved"),
                    _state(t.from_state),
                    _state(t.to_state),
                    t.version or "",
                    t.comment,
                ],
            )
        )
    for type_id, ids in _targets(ay, programme=programme).items():
        events = AuditEvent.objects.filter(target_type_id=type_id, target_id__in=ids)
        for event in events.select_related("actor"):
            if not programme and (event.after or {}).get("internal"):
                continue  # an internal note of the office
            found.append(
                (
                    event.occurred_at,
                    [
                        _when(event.occurred_at),
                        _person(event.actor),
                        _("Audit trail"),
                        event.target_repr,
                        action_label(event.action),
                        "",
                        "",
                        "",
                        event.reason,
                    ],
                )
            )
    found.sort(key=lambda pair: pair[0])
    return [row for _at, row in found]
