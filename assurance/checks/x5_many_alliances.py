"""X5: a firm that is a company member of more than MAX_ALLIANCES alliances in one year
(M5 allows several; this many is worth a look)."""

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assurance.checks import Found, record, threshold
from core import lists
from members.models import MemberKind, Membership

ID = "X5"
TITLE = gettext_lazy("A firm in many alliances")


def find(programme_year) -> list[Found]:
    limit = threshold("MAX_ALLIANCES")
    by_firm = defaultdict(list)
    for pk, ay_id, code, firm_id, name, ubn in (
        Membership.objects.filter(
            alliance_year__programme_year=programme_year, counted_kind=MemberKind.COMPANY
        )
        .exclude(firm=None)
        .values_list(
            "pk",
            "alliance_year_id",
            "alliance_year__alliance__code",
            "firm_id",
            "firm__name",
            "firm__ubn",
        )
        .order_by("firm_id", "alliance_year__alliance__code")
    ):
        by_firm[firm_id].append((pk, ay_id, code, name, ubn))
    found = []
    for rows in by_firm.values():
        if len(rows) <= limit:
            continue
        codes = [code for _pk, _ay, code, _name, _ubn in rows]
        for pk, ay_id, code, name, ubn in rows:
            found.append(
                Found(
                    ID,
                    ay_id,
                    records=[record("membership", pk, ay_id)],
                    params={
                        "firm": name,
                        "ubn": ubn,
                        "n": len(rows),
                        "limit": limit,
                        "others": [c for c in codes if c != code],
                    },
                )
            )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {"firm": params["firm"], "ubn": params["ubn"] or "—", "n": params["n"]}
    if full:
        values["others"] = lists.join(params["others"])
        return (
            _(
                "%(firm)s (%(ubn)s) is a company member of %(n)s alliances this year; the "
                "others: %(others)s."
            )
            % values
        )
    return _("%(firm)s (%(ubn)s) is a company member of %(n)s alliances this year.") % values
