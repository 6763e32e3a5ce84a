"""Figures for report tests: an alliance-year with accepted (imported) figures, and a
finished export with a file in private storage."""

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
from core.storage import private_storage
from kpi.ledger import catalog
from workbook_import.sheets.historic import save_figures


def alliance_with_figures(
    code, field="mech", year=106, phase=1, phase_year=1, subsidy=2_000_000, **values
):
    py = ProgrammeYear.objects.get_or_create(
        roc_year=year, defaults=ProgrammeYear.calendar_defaults(year)
    )[0]
    alliance = Alliance.objects.filter(code=code).first() or Alliance.objects.create(
        code=code, name_zh=f"{code}聯盟", field=Field.objects.get(code=field), institution="某大學"
    )
    ay = AllianceYear.objects.create(
        alliance=alliance,
        programme_year=py,
        phase=phase,
        phase_year=phase_year,
        subsidy=subsidy,
        collaboration_weight=py.weight_for_phase(phase),
    )
    save_figures(alliance_year=ay, values=values, by=None)
    return ay


def zeros(**values):
    return {item.code: 0 for item in catalog.TARGETED} | values


def finished_export(owner, content: bytes, *, kind="summary_xlsx", year=106, hours=24):
    from reports.models import Export

    ProgrammeYear.objects.get_or_create(
        roc_year=year, defaults=ProgrammeYear.calendar_defaults(year)
    )
    path = private_storage().save(f"exports/{owner.pk}/test.xlsx", ContentFile(content))
    now = timezone.now()
    return Export.objects.create(
        owner=owner,
        kind=kind,
        roc_year=year,
        first_year=year,
        status=Export.Status.FINISHED,
        path=path,
        filename=f"summary-{year}.xlsx",
        size=len(content),
        finished_at=now,
        expires_at=now + dt.timedelta(hours=hours),
    )
