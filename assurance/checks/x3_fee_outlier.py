"""X3: a membership fee per company member far outside its field's range for the year —
an alliance-year's fees received (R-FEE) ÷ its company members, against the median of
the field's alliance-years: more than FEE_FACTOR times it, or less than its 1/FEE_FACTOR."""

from collections import defaultdict
from statistics import median

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.models import AllianceYear
from assurance.checks import Found, threshold
from core.money import format_ntd
from kpi.ledger.totals import ledger_totals

ID = "X3"
TITLE = gettext_lazy("A membership fee far outside its field's range")


def find(programme_year) -> list[Found]:
    factor, peers = threshold("FEE_FACTOR"), threshold("FEE_MIN_PEERS")
    years = list(
        AllianceYear.objects.filter(programme_year=programme_year).select_related(
            "programme_year", "alliance"
        )
    )
    totals = ledger_totals(years)
    per_field = defaultdict(list)
    for ay in years:
        counted = totals[ay.pk].counted
        company = counted["members"]["company"]
        if company:
            per_field[ay.alliance.field_id].append(
                (ay, counted["revenue"]["membership_fees"] / company)
            )
    found = []
    for rows in per_field.values():
        if len(rows) < peers:
            continue
        middle = median(fee for _ay, fee in rows)
        if not middle:
            continue
        for ay, fee in rows:
            if fee > middle * factor or fee * factor < middle:
                found.append(
                    Found(
                        ID,
                        ay.pk,
                        params={
                            "fee": round(fee),
                            "median": round(middle),
                            "factor": factor,
                            "high": fee > middle,
                        },
                    )
                )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {
        "fee": format_ntd(params["fee"]),
        "median": format_ntd(params["median"]),
        "factor": params["factor"],
    }
    if params["high"]:
        return (
            _(
                "Membership fees of %(fee)s per company member, more than %(factor)s times "
                "the field's median of %(median)s this year."
            )
            % values
        )
    return (
        _(
            "Membership fees of %(fee)s per company member, less than 1/%(factor)s of the "
            "field's median of %(median)s this year."
        )
        % values
    )
