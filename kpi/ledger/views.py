"""The alliance's KPI dashboard and its ledger: revenue, outcomes, activities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require
from alliances.models import Alliance, AllianceYear
from alliances.selectors import alliance_year_of, visible_alliance
from core.http import paginate
from kpi.ledger import rules, services
from kpi.ledger.forms import ActivityForm, EvidenceForm, OutcomeForm, RevenueForm
from kpi.ledger.models import OPERATING, Activity, Evidence, Outcome, RevenueEntry

TYPES = {
    "revenue": (RevenueEntry, RevenueForm),
    "outcomes": (Outcome, OutcomeForm),
    "activities": (Activity, ActivityForm),
}
FIELDS = {
    "revenue": [
        "kind",
        "date",
        "amount",
        "membership",
        "firm",
        "payer_name",
        "payer_kind",
        "freely_usable",
        "description",
    ],
    "outcomes": ["kind", "title", "date", "firm", "applicant", "quantity", "amount", "description"],
    "activities": ["kind", "title", "date", "firm", "other_attendees", "description"],
}
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}


def _alliance(request, pk) -> Alliance:
    return visible_alliance(request.user, pk)


def _year(alliance, year) -> AllianceYear:
    return alliance_year_of(alliance, year)


def _type(kind):
    if kind not in TYPES:
        raise Http404
    return TYPES[kind]


def latest_year_redirect(request, pk, url_name: str):
    """To the alliance's latest programme year on the page `url_name` (or say it has none)."""
    alliance = _alliance(request, pk)
    latest = (
        alliance.years.order_by("-programme_year__roc_year")
        .values_list("programme_year__roc_year", flat=True)
        .first()
    )
    if latest is None:
        return render(request, "members/no_years.html", {"alliance": alliance})
    return redirect(url_name, pk=alliance.pk, year=latest)


@login_required
def ledger_latest(request, pk):
    """The alliance's ledger tab: the revenue of its latest programme year."""
    alliance = _alliance(request, pk)
    latest = (
        alliance.years.order_by("-programme_year__roc_year")
        .values_list("programme_year__roc_year", flat=True)
        .first()
    )
    if latest is None:
        return render(request, "members/no_years.html", {"alliance": alliance})
    return redirect("ledger", pk=alliance.pk, year=latest, kind="revenue")


@login_required
def ledger(request, pk, year, kind):
    alliance = _alliance(request, pk)
    ay = _year(alliance, year)
    model, _form = _type(kind)
    qs = model.objects.filter(alliance_year=ay).select_related("firm").prefetch_related("evidence")
    sub = request.GET.get("kind", "")
    if sub == "operating" and model is RevenueEntry:
        qs = qs.filter(kind__in=OPERATING)
    elif sub:
        qs = qs.filter(kind=sub)
    counted = request.GET.get("counted")
    if counted in ("0", "1"):
        qs = qs.filter(counted=counted == "1")
    record_id = request.GET.get("record", "")
    if not (record_id.isdigit() and len(record_id) <= 18):
        record_id = ""
    if record_id:  # one record, as a finding of an audit record links to it
        qs = qs.filter(pk=int(record_id))
    page = paginate(request, qs.order_by("kind", "date", "pk"), per_page=50)
    for record in page.object_list:
        record.explanation = rules.explain(record.rule, record.rule_params, record.counted)
    return render(
        request,
        "kpi/ledger.html",
        {
            "alliance": alliance,
            "ay": ay,
            "kind": kind,
            "sub": sub,
            "record_id": record_id,
            "page": page,
            "model": model,
            "can_edit": services.can_keep_ledger(request.user, alliance),
        },
    )


def _form_for(kind, data, ay, initial=None):
    _model, form_class = TYPES[kind]
    extra = {"alliance_year": ay} if form_class is RevenueForm else {}
    return form_class(data, initial=initial, **extra)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, pk, year, kind, record_id=None):
    alliance = _alliance(request, pk)
    require(services.can_keep_ledger(request.user, alliance))
    ay = _year(alliance, year)
    model, _form = _type(kind)
    record = get_object_or_404(model, pk=record_id, alliance_year=ay) if record_id else None
    initial = None
    if record is not None:
        initial = {name: getattr(record, name) for name in FIELDS[kind]}
        initial["firm"] = record.firm.ubn if record.firm_id else ""
        initial["version"] = record.version
        initial["change_reason"] = ""
        if kind == "activities":
            initial["attendees"] = ", ".join(record.attendee_firms.values_list("ubn", flat=True))
    form = _form_for(kind, request.POST if request.method == "POST" else None, ay, initial)
    evidence_form = EvidenceForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = record or model(alliance_year=ay)
        for name in FIELDS[kind]:
            if name in data:
                setattr(target, name, data[name])
        try:
            with transaction.atomic():
                saved = services.record_save(
                    record=target,
                    by=request.user,
                    expected_version=data.get("version") if record else None,
                    attendee_firm_ids=data.get("attendees") if kind == "activities" else None,
                    reason=data.get("change_reason", ""),
                )
                upload = request.FILES.get("file")
                if upload:
                    services.evidence_add(record=saved, upload=upload, by=request.user)
        except services.LedgerError as error:
            form.add_error(None, str(error))
        else:
            explanation = rules.explain(saved.rule, saved.rule_params, saved.counted)
            messages.success(request, _("Saved. %(verdict)s") % {"verdict": explanation})
            return redirect("ledger", pk=alliance.pk, year=year, kind=kind)
    return render(
        request,
        "kpi/form.html",
        {
            "alliance": alliance,
            "ay": ay,
            "kind": kind,
            "form": form,
            "record": record,
            "evidence_form": evidence_form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request, pk, year, kind, record_id):
    alliance = _alliance(request, pk)
    require(services.can_keep_ledger(request.user, alliance))
    ay = _year(alliance, year)
    model, _form = _type(kind)
    record = get_object_or_404(model, pk=record_id, alliance_year=ay)
    error = None
    if request.method == "POST":
        try:
            services.record_delete(
                record=record, by=request.user, reason=request.POST.get("reason", "")
            )
        except services.LedgerError as refused:
            error = str(refused)
        else:
            messages.success(request, _("The record is deleted."))
            return redirect("ledger", pk=alliance.pk, year=year, kind=kind)
    return render(
        request,
        "kpi/delete.html",
        {
            "alliance": alliance,
            "ay": ay,
            "kind": kind,
            "record": record,
            "error": error,
            "covered": services.is_covered(record),
        },
    )


@login_required
def evidence_download(request, pk, eid):
    """Evidence is served only to people who may see the alliance (404 for others)."""
    alliance = _alliance(request, pk)
    evidence = get_object_or_404(Evidence, pk=eid, alliance_year__alliance=alliance)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(evidence.extension, "application/octet-stream"),
        as_attachment=True,
        filename=evidence.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
