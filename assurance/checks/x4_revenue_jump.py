"""X4: counted revenue that jumps or falls by more than REVENUE_FACTOR against last year
(last year's accepted second filing where there is one, else its ledger: the basis the
flags use, kpi.filings.judgement)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.models import AllianceYear
from assurance.checks import Found, threshold
from core.money import format_ntd
from kpi.filings import judgement
from kpi.ledger.totals import ledger_totals

ID = "X4"
TITLE = gettext_lazy("Counted revenue jumps or falls against last year")


def find(programme_year) -> list[Found]:
    factor = threshold("REVENUE_FACTOR")
    years = list(
        AllianceYear.objects.filter(programme_year=programme_year).select_related("programme_year")
    )
    totals = ledger_totals(years)
    bases = judgement.bases(years)
    found = []
    for ay in years:
        basis = bases[ay.pk]
        if basis.source is None:
            continue
        now = totals[ay.pk].counted["revenue"]["total_counted"]
        before = basis.totals["revenue"]["total_counted"]
        if not now or not before:
            continue
        if now > before * factor or now * factor < before:
            found.append(
                Found(
                    ID,
                    ay.pk,
                    params={
                        "now": now,
                        "before": before,
                        "factor": factor,
                        "year": basis.roc_year,
                        "basis": basis.source,
                    },
                )
            )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {
        "now": format_ntd(params["now"]),
        "before": format_ntd(params["before"]),
        "factor": params["factor"],
        "year": params["year"],
    }
    if params["now"] > params["before"]:
        return (
            _(
                "Counted revenue %(now)s, more than %(factor)s times %(year)s's %(before)s: "
                "please check the records behind the jump."
            )
            % values
        )
    return (
        _(
            "Counted revenue %(now)s, less than 1/%(factor)s of %(year)s's %(before)s: "
            "please check that nothing is missing."
        )
        % values
    )
