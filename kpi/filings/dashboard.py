"""An alliance-year's KPI page: each item's figure from the live ledger beside last year's
(its accepted second KPI filing where there is one, else its ledger: the page says which),
the rule flags judged as everywhere else (kpi.filings.judgement) and the field's fee
distribution."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from alliances.selectors import alliance_year_of, visible_alliance
from kpi.filings import judgement
from kpi.ledger import catalog, selectors, services
from kpi.ledger.totals import ledger_totals
from kpi.ledger.views import latest_year_redirect


@login_required
def kpi_latest(request, pk):
    return latest_year_redirect(request, pk, "kpi_dashboard")


@login_required
def kpi_dashboard(request, pk, year):
    alliance = visible_alliance(request.user, pk)
    ay = alliance_year_of(alliance, year)
    basis = judgement.bases([ay])[ay.pk]
    totals = ledger_totals([ay])[ay.pk].counted
    last_year = basis.totals if basis.source is not None else None
    rows = []
    for item in catalog.ITEMS:
        kind, _sep, sub = item.records.partition(":")
        rows.append(
            {
                "item": item,
                "value": catalog.value(item, totals),
                "last_year": catalog.value(item, last_year) if last_year else None,
                "kind": kind,
                "sub": sub,
            }
        )
    all_flags = judgement.judge(ay, totals, basis)
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
            "basis": basis,
            "distribution": selectors.field_fee_distribution(ay),
            "years": years,
            "can_edit": services.can_keep_ledger(request.user, alliance),
        },
    )
