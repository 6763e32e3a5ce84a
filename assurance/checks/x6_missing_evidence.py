"""X6: evidence missing for counted records of at least EVIDENCE_AMOUNT — a large amount
counted without its contract, invoice or receipt attached."""

from collections import defaultdict

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy, ngettext

from assurance.checks import Found, record, threshold
from core.money import format_ntd
from kpi.ledger.models import Evidence, RevenueEntry

ID = "X6"
TITLE = gettext_lazy("Large amounts without evidence")
MAX_LISTED = 20


def find(programme_year) -> list[Found]:
    amount = threshold("EVIDENCE_AMOUNT")
    by_year = defaultdict(list)
    for pk, ay_id, value in (
        RevenueEntry.objects.filter(
            alliance_year__programme_year=programme_year, counted=True, amount__gte=amount
        )
        .annotate(evidenced=Exists(Evidence.objects.filter(revenue=OuterRef("pk"))))
        .filter(evidenced=False)
        .values_list("pk", "alliance_year_id", "amount")
        .order_by("alliance_year_id", "-amount", "pk")
    ):
        by_year[ay_id].append((pk, value))
    return [
        Found(
            ID,
            ay_id,
            records=[record("revenue", pk, ay_id) for pk, _value in rows[:MAX_LISTED]],
            params={"n": len(rows), "total": sum(v for _pk, v in rows), "amount": amount},
        )
        for ay_id, rows in by_year.items()
    ]


def sentence(params: dict, full: bool) -> str:
    values = {
        "n": params["n"],
        "total": format_ntd(params["total"]),
        "amount": format_ntd(params["amount"]),
    }
    return (
        ngettext(
            "%(n)s counted record of %(amount)s or more has no evidence attached "
            "(%(total)s in all).",
            "%(n)s counted records of %(amount)s or more have no evidence attached "
            "(%(total)s in all).",
            params["n"],
        )
        % values
    )
