"""X3: a membership fee per company member far outside its field's range for the year —
an alliance-year's fees received (R-FEE) ÷ its company members, against the field's
alliance-years. Fees spread over orders of magnitude (the published bands run from under
NT$5,000 to over NT$100,000), so the range is taken on a log scale: outside the field's
quartiles by more than FEE_FENCE times their spread (Tukey's fences), or no fee at all
while the field's others pay."""

import math
from collections import defaultdict
from statistics import median, quantiles

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliances.models import AllianceYear
from assurance.checks import Found, threshold
from core.money import format_ntd
from kpi.ledger.totals import ledger_totals

ID = "X3"
TITLE = gettext_lazy("A membership fee far outside its field's range")


def _fences(fees: list[float], fence: float) -> tuple[float, float]:
    logs = [math.log(fee) for fee in fees if fee > 0]
    q1, _q2, q3 = quantiles(logs, n=4)
    spread = q3 - q1
    return math.exp(q1 - fence * spread), math.exp(q3 + fence * spread)


def find(programme_year) -> list[Found]:
    fence, peers = threshold("FEE_FENCE"), threshold("FEE_MIN_PEERS")
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
        paying = [fee for _ay, fee in rows if fee > 0]
        if len(paying) < peers:
            continue
        low, high = _fences(paying, fence)
        middle = median(paying)
        for ay, fee in rows:
            if low <= fee <= high:
                continue
            found.append(
                Found(
                    ID,
                    ay.pk,
                    params={
                        "fee": round(fee),
                        "median": round(middle),
                        "low": round(low),
                        "high": round(high),
                        "above": fee > high,
                    },
                )
            )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {
        "fee": format_ntd(params["fee"]),
        "median": format_ntd(params["median"]),
        "low": format_ntd(params["low"]),
        "high": format_ntd(params["high"]),
    }
    if params["above"]:
        return (
            _(
                "Membership fees of %(fee)s per company member, far above the field's range "
                "this year (%(low)s–%(high)s; median %(median)s)."
            )
            % values
        )
    if not params["fee"]:
        return (
            _(
                "No membership fee received from any company member, while the field's "
                "alliances receive %(median)s per member (median) this year."
            )
            % values
        )
    return (
        _(
            "Membership fees of %(fee)s per company member, far below the field's range "
            "this year (%(low)s–%(high)s; median %(median)s)."
        )
        % values
    )
