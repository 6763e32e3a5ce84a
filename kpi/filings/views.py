"""The filing pages of an alliance-year: the three filings, one filing (targets or live
figures, its versions and routing history), the check with the PI's certification, a
submitted version beside the one before, and the office's extension."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import require
from alliances import permissions as alliance_permissions
from alliances.selectors import alliance_year_of, visible_alliance
from core import roc
from kpi.filings import calendar, checks, panels, permissions
from kpi.filings import selectors as filing_selectors
from kpi.filings import services as filings
from kpi.filings import status as filing_status
from kpi.filings.forms import AnswersForm, CertifyForm, ExtensionForm, TargetsForm
from kpi.filings.models import FilingKind, FilingVersion, SnapshotRecord
from kpi.ledger import catalog
from kpi.ledger.views import latest_year_redirect


def _filing(request, pk, year, filing):
    return filing_selectors.filing_for(request.user, pk, year, filing)


def _context(request, alliance, ay, filing, **extra):
    deadline = calendar.deadline(filing, ay.programme_year)
    status = filing_status.of_filing(filing, ay, deadline)
    return {
        "alliance": alliance,
        "ay": ay,
        "filing": filing,
        "deadline": deadline,
        "status": status,
        "status_label": filing_status.label(status),
        "refusal": calendar.submission_refusal(filing, ay.programme_year)
        if filing.is_open
        else None,
        "can_prepare": permissions.can_prepare(request.user, alliance) and filing.is_open,
        "can_submit": permissions.can_submit(request.user, alliance) and filing.is_open,
        "can_extend": permissions.can_extend(request.user) and filing.is_open,
        **extra,
    }


@login_required
def filings_latest(request, pk):
    return latest_year_redirect(request, pk, "filing_list")


@login_required
def filing_list(request, pk, year):
    alliance = visible_alliance(request.user, pk)
    ay = alliance_year_of(alliance, year)
    year_filings = filing_selectors.filings_of_year(ay)
    extensions = calendar.latest_extensions(year_filings)
    ledger = bool(filing_status.with_records([ay.pk]))
    rows = []
    for filing in year_filings:
        deadline = calendar.deadline(filing, ay.programme_year, extensions.get(filing.pk))
        status = filing_status.of_filing(
            filing, ay, deadline, submitted_before=filing.latest is not None, ledger=ledger
        )
        rows.append(
            {
                "filing": filing,
                "deadline": deadline,
                "status": status,
                "status_label": filing_status.label(status),
            }
        )
    years = list(
        alliance.years.order_by("-programme_year__roc_year").values_list(
            "programme_year__roc_year", flat=True
        )
    )
    panel = panels.for_year(ay)
    for row in rows:
        row["record"] = panel["records"].get(row["filing"].pk)
    return render(
        request,
        "kpi/filings.html",
        {
            "alliance": alliance,
            "ay": ay,
            "rows": rows,
            "years": years,
            "assessment": panel["assessment"],
        },
    )


def _live_rows(result) -> list[dict]:
    return [
        {
            "item": item,
            "entered": result.entered.get(item.code),
            "counted": result.values.get(item.code),
            "target": result.targets.get(item.code),
        }
        for item in catalog.ITEMS
    ]


@login_required
@require_http_methods(["GET", "POST"])
def filing_detail(request, pk, year, filing):
    alliance, ay, filing = _filing(request, pk, year, filing)
    form = None
    if filing.kind == FilingKind.EXPECTED:
        initial = {"revision": filing.revision, **(filing.targets or {})}
        if request.method == "POST":
            require(permissions.can_prepare(request.user, alliance))
            form = TargetsForm(request.POST, initial=initial)
            if form.is_valid():
                try:
                    filings.targets_save(
                        filing=filing,
                        by=request.user,
                        targets=form.targets(),
                        expected_revision=form.cleaned_data["revision"],
                    )
                except filings.FilingError as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(
                        request, _("The targets are saved. Run the check before submitting.")
                    )
                    return redirect(filings.filing_url(filing))
        else:
            form = TargetsForm(initial=initial)
    elif request.method == "POST":
        return HttpResponseNotAllowed(["GET"])
    versions = list(filing.versions.select_related("submitted_by")) if filing.pk else []
    history = []
    if filing.pk:
        history = filing.transitions.select_related("by")
        if not alliance_permissions.is_programme_reader(request.user):
            history = history.filter(internal=False)
    panel = panels.for_filing(filing, versions)  # the review's audit records and flags
    records, office_flags = panel["records"], panel["office_flags"]
    live = None
    if filing.kind != FilingKind.EXPECTED and filing.is_open:
        live = _live_rows(checks.run(filing))
    latest = versions[-1] if versions else None
    return render(
        request,
        "kpi/filing.html",
        _context(
            request,
            alliance,
            ay,
            filing,
            form=form,
            versions=versions,
            latest=latest,
            latest_rows=[
                {
                    "item": row["item"],
                    "entered": row["now"].entered,
                    "counted": row["now"].counted,
                    "target": row["now"].target,
                }
                for row in filing_selectors.version_rows(latest)
            ]
            if latest and not filing.is_open
            else None,
            history=history,
            live=live,
            audit_records=records,
            office_flags=office_flags,
            cross_checks=panel.get("cross_checks", []),
            extensions=filing.extensions.select_related("granted_by") if filing.pk else [],
        ),
    )


@login_required
def filing_check(request, pk, year, filing):
    alliance, ay, filing = _filing(request, pk, year, filing)
    require(
        permissions.can_prepare(request.user, alliance)
        or alliance_permissions.is_programme_reader(request.user)
    )
    result = checks.run(filing)
    found = panels.open_findings(filing)
    return render(
        request,
        "kpi/filing_check.html",
        _context(
            request,
            alliance,
            ay,
            filing,
            result=result,
            rows=_live_rows(result),
            form=CertifyForm(),
            found=found,
            answers_form=AnswersForm(found=found),
        ),
    )


@login_required
def filing_submit(request, pk, year, filing):
    alliance, ay, filing = _filing(request, pk, year, filing)
    require(permissions.can_submit(request.user, alliance))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CertifyForm(request.POST)
    found = panels.open_findings(filing)
    answers_form = AnswersForm(request.POST, found=found)
    result = None
    if form.is_valid() and answers_form.is_valid():
        try:
            version = filings.filing_submit(
                filing=filing,
                by=request.user,
                certified_name=form.cleaned_data["name"],
                confirmed=form.cleaned_data["confirm"],
                answers=answers_form.answers(),
            )
        except filings.FilingHasErrors as error:
            result = error.result
            form.add_error(None, str(error))
        except filings.FilingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Version %(n)s is submitted and locked; the programme office will review it.")
                % {"n": version.number},
            )
            return redirect(filings.filing_url(filing))
    filing = filing_selectors.filing_of(ay, filing.kind)  # as it is now
    result = result or checks.run(filing)
    return render(
        request,
        "kpi/filing_check.html",
        _context(
            request,
            alliance,
            ay,
            filing,
            result=result,
            rows=_live_rows(result),
            form=form,
            found=found,
            answers_form=answers_form,
        ),
        status=400,
    )


@login_required
def filing_version(request, pk, year, filing, number):
    alliance, ay, filing = _filing(request, pk, year, filing)
    if not filing.pk:
        raise Http404
    version = get_object_or_404(
        FilingVersion.objects.select_related("submitted_by"), filing=filing, number=number
    )
    previous = filing.versions.filter(number=number - 1).first()
    source = request.GET.get("source", "")
    records = filing_selectors.records_of(version, source or None)
    if request.GET.get("counted") in ("0", "1"):
        records = records.filter(counted=request.GET["counted"] == "1")
    return render(
        request,
        "kpi/filing_version.html",
        _context(
            request,
            alliance,
            ay,
            filing,
            version=version,
            previous=previous,
            rows=filing_selectors.version_rows(version, previous),
            changes=filing_selectors.record_changes(version, previous) if previous else None,
            after_acceptance=filing_selectors.changed_after_acceptance(version),
            records=records.order_by("source", "kind", "date", "record_id")[:1000],
            source=source,
            sources=SnapshotRecord.Source.choices,
            is_latest=not filing.versions.filter(number__gt=number).exists(),
            answers=list(version.answers.all()),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def filing_extension(request, pk, year, filing):
    alliance, ay, filing = _filing(request, pk, year, filing)
    require(permissions.can_extend(request.user))
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = filings.extension_grant(
                filing=filing,
                by=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except filings.FilingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(alliance)s may submit until %(date)s.")
                % {"alliance": alliance.name, "date": roc.format_roc_date(extension.until)},
            )
            return redirect(filings.filing_url(filing))
    return render(
        request,
        "kpi/filing_extension.html",
        _context(request, alliance, ay, filing, form=form),
        status=400 if form.errors else 200,
    )
