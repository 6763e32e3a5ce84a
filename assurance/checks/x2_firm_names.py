"""X2: one 統一編號 under different firm names — in the member lists the alliances submitted
(each version keeps the names as they stood), in different alliances or years, or beside
the firm's name on file now. A renamed firm, a typing slip or two firms sharing a number:
the office looks."""

from collections import defaultdict

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assurance.checks import Found, record, same_name
from core import lists
from kpi.filings.models import SnapshotRecord
from members.models import Membership

ID = "X2"
TITLE = gettext_lazy("One UBN under different firm names")


def find(programme_year) -> list[Found]:
    firm_of = Membership.objects.filter(pk=OuterRef("record_id")).values("firm_id")[:1]
    names = defaultdict(dict)  # firm id → {normalised name: (name as written, {where})}
    for firm_id, label, code, year in (
        SnapshotRecord.objects.filter(
            source=SnapshotRecord.Source.MEMBERSHIP,
            version__filing__alliance_year__programme_year__roc_year__lte=programme_year.roc_year,
        )
        .annotate(firm_id=Subquery(firm_of))
        .filter(firm_id__isnull=False)
        .values_list(
            "firm_id",
            "label",
            "version__filing__alliance_year__alliance__code",
            "version__filing__alliance_year__programme_year__roc_year",
        )
        .distinct()
    ):
        names[firm_id].setdefault(same_name(label), (label, set()))[1].add(f"{code} {year}")
    found = []
    members = (
        Membership.objects.filter(alliance_year__programme_year=programme_year)
        .exclude(firm=None)
        .exclude(firm__ubn="")
        .values_list("pk", "alliance_year_id", "firm_id", "firm__ubn", "firm__name")
        .order_by("alliance_year_id", "pk")
    )
    for pk, ay_id, firm_id, ubn, name in members:
        seen = dict(names.get(firm_id, {}))
        seen.setdefault(same_name(name), (name, set()))
        if len(seen) < 2:
            continue
        found.append(
            Found(
                ID,
                ay_id,
                None,
                [record("membership", pk, ay_id)],
                {
                    "ubn": ubn,
                    "name": name,
                    "names": sorted(written for written, _where in seen.values()),
                    "where": sorted(set().union(*(where for _written, where in seen.values()))),
                },
            )
        )
    return found


def sentence(params: dict, full: bool) -> str:
    values = {"ubn": params["ubn"], "names": lists.join(params["names"])}
    if full:
        values["where"] = lists.join(params.get("where") or ["—"])
        return _("UBN %(ubn)s appears under the names %(names)s (submitted by %(where)s).") % values
    return (
        _(
            "UBN %(ubn)s appears under more than one name (%(names)s): please check the "
            "firm's name on your member list."
        )
        % values
    )
