"""An alliance-year's KPI page: each item's figure from the live ledger beside last year's,
the rule flags (R9, R10, P1, P2; P2 against the accepted expected outcomes, hence here,
above the ledger) and the field's fee distribution."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alliances.models import AllianceYear
from alliances.selectors import alliance_year_of, visible_alliance
from kpi.filings import selectors as filing_selectors
from kpi.ledger import catalog, flags, selectors, services
from kpi.ledger.totals import ledger_totals
from kpi.ledger.views import latest_year_redirect


@login_required
def kpi_latest(request, pk):
    return latest_year_redirect(request, pk, "kpi_dashboard")


@login_required
def kpi_dashboard(request, pk, year):
    alliance = visible_alliance(request.user, pk)
    ay = alliance_year_of(alliance, year)
    previous = (
        AllianceYear.objects.filter(alliance=alliance, programme_year__roc_year=year - 1)
        .select_related("programme_year")
        .first()
    )
    both = ledger_totals([ay, previous])  # the two years in the same five queries
    totals = both[ay.pk].counted
    previous_totals = both[previous.pk].counted if previous else None
    rows = []
    for item in catalog.ITEMS:
        kind, _sep, sub = item.records.partition(":")
        rows.append(
            {
                "item": item,
                "value": catalog.value(item, totals),
                "last_year": catalog.value(item, previous_totals) if previous_totals else None,
                "kind": kind,
                "sub": sub,
            }
        )
    all_flags = [
        f
        for f in (
            flags.r9_growth(totals, previous_totals, ay.collaboration_weight),
            flags.r10_self_sufficiency(totals, ay.phase, ay.phase_year, ay.subsidy),
            flags.p1_new_members(totals, ay.phase),
            flags.p2_member_floor(
                totals, ay.phase, filing_selectors.p2_floor(alliance.pk) if ay.phase == 2 else None
            ),
        )
        if f is not None
    ]
    years = list(
        alliance.years.order_by("-programme_year__roc_year").values_list(
            "programme_year__roc_year", flat=True
        )
    )
    return render(
        request,
        "kpi/dashboard.html",
        {
            "alliance": alliance,
            "ay": ay,
            "rows": rows,
            "flags": all_flags,
            "distribution": selectors.field_fee_distribution(ay),
            "years": years,
            "can_edit": services.can_keep_ledger(request.user, alliance),
        },
    )
