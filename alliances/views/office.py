"""Programme-office pages for alliances and their PIs."""

from django.contrib import messages
from django.core import signing
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view
from alliances import pi_import, selectors, services
from alliances.forms import HandoverForm, PiAssignForm, WorkbookForm
from alliances.models import Alliance, Field
from core.http import int_param, paginate
from core.workbooks import WorkbookError, read_upload, template_workbook

PAYLOAD_SALT = "alliances.pi_import"
PAYLOAD_MAX_AGE = 3600


@office_view(viewers=True)
def office_alliances(request):
    qs = selectors.office_alliances()
    query = request.GET.get("q", "").strip()[:100]
    field = request.GET.get("field", "")
    if query:
        qs = qs.filter(
            Q(name_zh__icontains=query)
            | Q(institution__icontains=query)
            | Q(name_en__icontains=query)
        )
    if int_param(field):
        qs = qs.filter(field_id=int_param(field))
    invitation_open = request.GET.get("invitation") == "open"
    if invitation_open:
        qs = qs.filter(pi_invitation_open=True)
    return render(
        request,
        "office/alliances.html",
        {
            "page": paginate(request, qs),
            "fields": Field.objects.all(),
            "query": query,
            "field": field,
            "invitation_open": invitation_open,
        },
    )


@office_view
@require_http_methods(["GET", "POST"])
def office_pi_create(request):
    form = PiAssignForm(
        request.POST if request.method == "POST" else None,
        initial={"alliance": request.GET.get("alliance")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = services.pi_assign(
                alliance=data["alliance"], by=request.user, email=data["email"], name=data["name"]
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is the PI of %(alliance)s; an email is on its way.")
                % {"name": role.user, "alliance": role.alliance},
            )
            return redirect("office_alliances")
    return render(request, "office/pi_create.html", {"form": form})


@office_view
def office_pi_template(request):
    data = template_workbook(
        sheet_name=pi_import.SHEET,
        headers=pi_import.HEADERS,
        example=["王小明", "pi@university.edu.tw", "（聯盟中文名稱）"],
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="pi-accounts-template.xlsx"'
    return response


@office_view
@require_http_methods(["GET", "POST"])
def office_pi_import(request):
    """Upload → preview (nothing saved) → confirm (all or nothing)."""
    form = WorkbookForm()
    preview = None
    payload = ""
    if request.method == "POST" and "confirm" in request.POST:
        try:
            rows = signing.loads(
                request.POST.get("payload", ""), salt=PAYLOAD_SALT, max_age=PAYLOAD_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(
                request, _("The preview has expired or was altered; upload the workbook again.")
            )
            return redirect("office_pi_import")
        try:
            done = pi_import.import_pis(payload=rows, by=request.user)
        except pi_import.ImportRefused as refused:
            preview = refused.preview
            messages.error(
                request, _("Nothing was saved: the workbook no longer passes the checks.")
            )
        else:
            messages.success(
                request,
                _("%(new)s PI accounts created; %(same)s unchanged.")
                % {"new": done.count("new"), "same": done.count("unchanged")},
            )
            return redirect("office_alliances")
    elif request.method == "POST":
        form = WorkbookForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                preview = pi_import.preview_workbook(read_upload(form.cleaned_data["workbook"]))
            except WorkbookError as error:
                form.add_error("workbook", str(error))
            else:
                if not preview.rows:
                    form.add_error("workbook", _("The sheet has no rows below its header."))
                    preview = None
                elif not preview.errors:
                    payload = signing.dumps(preview.payload(), salt=PAYLOAD_SALT, compress=True)
    return render(
        request,
        "office/pi_import.html",
        {
            "form": form,
            "preview": preview,
            "preview_new": preview.count("new") if preview else 0,
            "preview_unchanged": preview.count("unchanged") if preview else 0,
            "payload": payload,
        },
    )


@office_view
@require_http_methods(["GET", "POST"])
def office_handover(request, pk):
    alliance = get_object_or_404(Alliance, pk=pk)
    current = selectors.office_alliances().get(pk=pk)
    form = HandoverForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            role = services.pi_handover(
                alliance=alliance,
                by=request.user,
                email=data["email"],
                name=data["name"],
                reason=data["reason"],
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(alliance)s now has %(name)s as its PI.")
                % {"alliance": alliance, "name": role.user},
            )
            return redirect("office_alliances")
    return render(request, "office/handover.html", {"alliance": current, "form": form})


@office_view(viewers=True)
def office_audit(request):
    events = selectors.role_events()
    alliance = request.GET.get("alliance", "")
    if int_param(alliance):
        events = events.filter(alliance_id=int_param(alliance))
    return render(
        request,
        "office/audit.html",
        {"page": paginate(request, events), "alliance_filter": alliance},
    )
