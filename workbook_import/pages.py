"""The import and export pages of the apps' sheets: an alliance's members and ledger, the
office's registry (checked and saved in the background, jobs.py). Their URLs are those the
apps always had; they live here because they run the cross-app machinery."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view, require
from alliances import permissions as alliance_permissions
from alliances.selectors import alliance_for, alliance_year_of
from kpi.models import Activity, Outcome, RevenueEntry
from members import permissions as member_permissions
from members import selectors as member_selectors
from workbook_import.engine import export_workbook
from workbook_import.views import (
    background_import_page,
    batch_page,
    import_page,
    template_download,
    xlsx_response,
)


@login_required
def members_export(request, pk, year):
    alliance = alliance_for(request.user, pk, may=member_permissions.can_view_members)
    ay = alliance_year_of(alliance, year)
    data = export_workbook(
        scope="alliance",
        alliance=alliance,
        only=["成員"],
        querysets={
            "成員": member_selectors.memberships_of(ay).select_related(
                "alliance_year__alliance", "alliance_year__programme_year"
            )
        },
    )
    return xlsx_response(data, f"members-{alliance.code or alliance.pk}-{year}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def members_import(request, pk):
    alliance = alliance_for(request.user, pk, may=member_permissions.can_view_members)
    require(member_permissions.can_edit_members(request.user, alliance))
    if not alliance.code:
        messages.error(request, _("This alliance has no code yet; ask the programme office."))
        return redirect("alliance_dashboard", pk=alliance.pk)
    return import_page(
        request,
        scope="alliance",
        alliance=alliance,
        back_url=reverse("members_latest", args=[alliance.pk]),
        template_url=reverse("members_template", args=[alliance.pk]),
    )


@login_required
def members_template(request, pk):
    alliance = alliance_for(request.user, pk, may=member_permissions.can_view_members)
    return xlsx_response(
        export_workbook(scope="alliance", alliance=alliance, blank=True),
        "members-template.xlsx",
    )


@login_required
def ledger_export(request, pk, year):
    """The year's ledger as a workbook laid out for re-import (sheets 收入, 成果, 活動)."""
    alliance = alliance_for(request.user, pk, may=alliance_permissions.can_view_alliance)
    ay = alliance_year_of(alliance, year)
    related = ("alliance_year__alliance", "alliance_year__programme_year", "firm")
    data = export_workbook(
        scope="alliance",
        alliance=alliance,
        only=["收入", "成果", "活動"],
        querysets={
            "收入": RevenueEntry.objects.filter(alliance_year=ay).select_related(*related),
            "成果": Outcome.objects.filter(alliance_year=ay).select_related(*related),
            "活動": Activity.objects.filter(alliance_year=ay).select_related(*related),
        },
    )
    return xlsx_response(data, f"ledger-{alliance.code or alliance.pk}-{year}.xlsx")


@office_view
@require_http_methods(["GET", "POST"])
def office_import(request):
    """The registry workbook: checked and saved in the background (jobs.py)."""
    return background_import_page(
        request,
        scope="office",
        batch_url=lambda batch: reverse("office_import_batch", args=[batch.pk]),
        back_url=reverse("office_alliances"),
        template_url=reverse("office_import_template"),
    )


@office_view
@require_http_methods(["GET", "POST"])
def office_import_batch(request, batch_id):
    return batch_page(
        request,
        batch_id,
        scope="office",
        back_url=reverse("office_alliances"),
        upload_url=reverse("office_import"),
    )


@office_view
def office_import_template(request):
    return template_download(scope="office")
