"""The dossier's page of an alliance-year: what a dossier holds, a button that starts one
(POST: reports' background export, followed on its progress page /reports/exports/<id>/),
and the asker's recent dossiers of that year. The office and the department for any
alliance, the alliance's PI for their own; 404 for everyone else."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from alliances.selectors import alliance_for, alliance_year_of
from reports import services
from reports.models import Export, ExportKind
from reports.permissions import can_have_dossier


def _may(user, alliance) -> bool:
    return can_have_dossier(user, alliance.pk)


@login_required
@require_http_methods(["GET", "POST"])
def dossier_page(request, pk, year):
    alliance = alliance_for(request.user, pk, may=_may)
    ay = alliance_year_of(alliance, year)
    if request.method == "POST":
        try:
            export = services.export_start(
                by=request.user, kind=ExportKind.DOSSIER_ZIP, alliance_year=ay
            )
        except services.ExportError as error:
            messages.error(request, str(error))
            return redirect("alliance_dossier", pk=alliance.pk, year=year)
        return redirect("report_export", xid=export.pk)
    recent = Export.objects.filter(
        owner=request.user, kind=ExportKind.DOSSIER_ZIP, alliance_year=ay
    ).select_related("alliance_year__alliance")[:5]
    return render(
        request,
        "dossier/page.html",
        {
            "alliance": alliance,
            "ay": ay,
            "recent": recent,
            "retention": settings.EXPORT_RETENTION_HOURS,
        },
    )
