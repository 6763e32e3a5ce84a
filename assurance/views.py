"""The office's page of the checks across alliances of a programme year: counts per check
and per field, the findings (each with links to the records on both sides), the export,
and a run started by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.permissions import require
from alliances.models import ProgrammeYear
from assurance import permissions, runner, selectors
from assurance.checks import by_id
from assurance.models import CheckRun
from core import roc
from core.http import paginate, xlsx_response
from core.writers import sheet_bytes


@login_required
def cross_checks_home(request):
    require(permissions.can_read(request.user))
    year = ProgrammeYear.objects.order_by("-roc_year").first()
    if year is None:
        messages.info(request, _("There is no programme year yet."))
        return redirect("dashboard")
    return redirect("cross_checks", year=year.roc_year)


def _year(request, year):
    require(permissions.can_read(request.user))
    return get_object_or_404(ProgrammeYear, roc_year=year)


@login_required
def cross_checks(request, year):
    programme_year = _year(request, year)
    check_id = request.GET.get("check", "")
    field_code = request.GET.get("field", "")
    data = selectors.overview(programme_year, check_id=check_id, field_code=field_code)
    page = paginate(request, data.chosen)
    return render(
        request,
        "assurance/overview.html",
        {
            "data": data,
            "page": page,
            "rows": selectors.rows(list(page.object_list), full=True),
            "check": check_id if check_id in by_id() else "",
            "field_code": field_code,
            "years": list(
                ProgrammeYear.objects.order_by("-roc_year").values_list("roc_year", flat=True)
            ),
            "can_run": permissions.can_run(request.user),
        },
    )


@login_required
def cross_checks_export(request, year):
    programme_year = _year(request, year)
    data = selectors.overview(
        programme_year,
        check_id=request.GET.get("check", ""),
        field_code=request.GET.get("field", ""),
    )
    rows = selectors.rows(list(data.chosen), full=True)
    body = sheet_bytes(
        title=_("Checks %(year)s") % {"year": programme_year.roc_year},
        headers=[
            _("Check"),
            _("What it checks"),
            _("Field"),
            _("Alliance code"),
            _("Alliance"),
            _("Finding"),
            _("Records"),
        ],
        rows=(
            [
                row.check_id,
                row.title,
                row.finding.field.name,
                row.alliance.code,
                row.alliance.name,
                row.sentence,
                " ".join(label for label, _url in row.links),
            ]
            for row in rows
        ),
    )
    return xlsx_response(body, f"cross-checks-{programme_year.roc_year}.xlsx")


@login_required
def cross_checks_run(request, year):
    programme_year = _year(request, year)
    require(permissions.can_run(request.user))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    run = runner.queue(programme_year, trigger=CheckRun.Trigger.OFFICE, by=request.user)
    messages.success(
        request,
        _("The checks of %(year)s run in the background (queued %(when)s); reload to see them.")
        % {"year": programme_year.roc_year, "when": roc.format_roc_datetime(run.queued_at)},
    )
    return redirect("cross_checks", year=programme_year.roc_year)
