"""Alliance-years and programme years kept by the office."""

from django.db import transaction

from accounts.models import User
from accounts.permissions import is_office, require
from core import audit


@transaction.atomic
def alliance_year_save(*, alliance_year, by: User):
    """The office opens or changes an alliance-year (phase, subsidy, R8 weight)."""
    from alliances.models import AllianceYear

    require(is_office(by))
    before = {}
    if alliance_year.pk:
        old = AllianceYear.objects.select_for_update().get(pk=alliance_year.pk)
        before = {
            "phase": old.phase,
            "phase_year": old.phase_year,
            "subsidy": old.subsidy,
            "collaboration_weight": old.collaboration_weight,
        }
    alliance_year.full_clean()
    alliance_year.save()
    audit.record(
        actor=by,
        action="alliance_year.changed" if before else "alliance_year.opened",
        target=alliance_year,
        alliance=alliance_year.alliance,
        before=before,
        after={
            "phase": alliance_year.phase,
            "phase_year": alliance_year.phase_year,
            "subsidy": alliance_year.subsidy,
            "collaboration_weight": alliance_year.collaboration_weight,
        },
    )
    return alliance_year


PROGRAMME_YEAR_FIELDS = [
    "expected_outcomes_opens",
    "expected_outcomes_due",
    "first_kpi_opens",
    "first_kpi_due",
    "second_kpi_opens",
    "second_kpi_due",
    "banner_due",
    "midterm_report_due",
    "subsidy_cap",
    "collaboration_weight_phase1",
    "collaboration_weight_phase2",
    "target_company_members",
    "target_fee_per_firm",
    "visit_score_min",
    "visit_score_max",
]


def _year_state(year) -> dict:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name in PROGRAMME_YEAR_FIELDS
        for value in [getattr(year, name)]
    }


@transaction.atomic
def programme_year_save(*, year, by: User):
    """The office opens a programme year or changes its calendar (windows and deadlines,
    domain.md §4) and settings. Filings, reminders and the home page follow at once."""
    from alliances.models import ProgrammeYear

    require(is_office(by))
    before = {}
    if year.pk:
        before = _year_state(ProgrammeYear.objects.select_for_update().get(pk=year.pk))
    year.full_clean()
    year.save()
    audit.record(
        actor=by,
        action="programme_year.changed" if before else "programme_year.opened",
        target=year,
        before=before,
        after=_year_state(year),
    )
    return year
