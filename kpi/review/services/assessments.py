"""The annual assessment of an alliance-year."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import is_office, require
from alliances.models import AllianceYear
from alliances.selectors import team_recipients
from core import audit
from core.mail import send_templated_email
from kpi.filings import permissions
from kpi.filings.models import (
    Filing,
    FilingKind,
)
from kpi.filings.services import (
    FilingError,
    filing_url,
    portal_url,
)
from kpi.review.models import (
    Assessment,
    AssessmentOutcome,
)
from kpi.review.services.base import clean_text


@transaction.atomic
def assessment_save(
    *, alliance_year: AllianceYear, by, outcome: str, reasons: str, conditions: str = ""
) -> Assessment:
    """Record (or revise) the year's assessment after the second filing was submitted."""
    require(permissions.can_view(by, alliance_year.alliance))
    if not is_office(by):
        raise FilingError(_("Only the programme office records the annual assessment."))
    second = (
        Filing.objects.select_for_update()
        .filter(alliance_year=alliance_year, kind=FilingKind.SECOND)
        .first()
    )
    if second is None or not second.versions.exists():
        raise FilingError(
            _("The annual assessment follows the second KPI filing, which is not submitted yet.")
        )
    if outcome not in AssessmentOutcome.values:
        raise FilingError(_("Choose the outcome of the assessment."))
    reasons = clean_text(reasons, what=_("The reasons"))
    conditions = clean_text(conditions, what=_("The conditions"))
    if not reasons:
        raise FilingError(_("Give the reasons for the assessment."))
    if outcome == AssessmentOutcome.CONDITIONS and not conditions:
        raise FilingError(_("Say which conditions the alliance must meet."))
    if outcome != AssessmentOutcome.CONDITIONS:
        conditions = ""
    current = Assessment.objects.select_for_update().filter(alliance_year=alliance_year).first()
    before = {"outcome": current.outcome, "reasons": current.reasons} if current else {}
    assessment = current or Assessment(alliance_year=alliance_year)
    assessment.outcome, assessment.reasons, assessment.conditions = outcome, reasons, conditions
    assessment.decided_by, assessment.decided_at = by, timezone.now()
    assessment.save()
    audit.record(
        actor=by,
        action="assessment.saved",
        target=assessment,
        alliance=alliance_year.alliance,
        before=before,
        after={"outcome": outcome, "reasons": reasons, "conditions": conditions},
    )
    for person in team_recipients(alliance_year.alliance_id, assistants=False):
        send_templated_email(
            to=[person.email],
            template="assessment_recorded",
            context={
                "assessment": assessment,
                "alliance": alliance_year.alliance,
                "year": alliance_year.programme_year.roc_year,
                "url": portal_url(filing_url(second)),
            },
            language=person.preferred_language,
        )
    return assessment
