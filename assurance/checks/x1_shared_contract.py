"""X1: the same contract claimed by two alliances — a technology transfer or collaboration
with the same counterparty (統一編號), the same amount, signed within a few days, in the
ledgers of two alliances of the year."""

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assurance.checks import Found, record, threshold
from core import roc
from core.money import format_ntd
from kpi.ledger.models import RevenueEntry, RevenueKind

ID = "X1"
TITLE = gettext_lazy("The same contract in two alliances")
CONTRACTS = (RevenueKind.TECHNOLOGY_TRANSFER, RevenueKind.COLLABORATION)


def find(programme_year) -> list[Found]:
    days = threshold("CONTRACT_DAYS")
    groups = defaultdict(list)
    for row in (
        RevenueEntry.objects.filter(
            alliance_year__programme_year=programme_year, kind__in=CONTRACTS, firm__isnull=False
        )
        .exclude(firm__ubn="")
        .values(
            "pk", "alliance_year_id", "alliance_year__alliance_id", "firm__ubn", "amount", "date"
        )
        .order_by("firm__ubn", "amount", "date", "pk")
    ):
        groups[row["firm__ubn"], row["amount"]].append(row)
    found = []
    for (ubn, amount), rows in groups.items():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                if (b["date"] - a["date"]).days > days:
                    break
                if a["alliance_year__alliance_id"] == b["alliance_year__alliance_id"]:
                    continue
                both = [
                    record("revenue", a["pk"], a["alliance_year_id"]),
                    record("revenue", b["pk"], b["alliance_year_id"]),
                ]
                for mine, other in ((a, b), (b, a)):
                    found.append(
                        Found(
                            ID,
                            mine["alliance_year_id"],
                            other["alliance_year_id"],
                            both,
                            {
                                "ubn": ubn,
                                "amount": amount,
                                "date": mine["date"].isoformat(),
                                "other_date": other["date"].isoformat(),
                            },
                        )
                    )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {
        "ubn": params["ubn"],
        "amount": format_ntd(params["amount"]),
        "date": roc.format_roc_date(dt.date.fromisoformat(params["date"])),
        "other_date": roc.format_roc_date(dt.date.fromisoformat(params["other_date"])),
        "other": params.get("other", ""),
    }
    if full:
        return (
            _(
                "A contract with %(ubn)s for %(amount)s signed %(date)s; %(other)s claims one "
                "with the same firm and amount signed %(other_date)s."
            )
            % values
        )
    return (
        _(
            "A contract with %(ubn)s for %(amount)s signed %(date)s is also claimed by another "
            "alliance (same firm and amount, signed within a few days): please confirm it is "
            "yours."
        )
        % values
    )
