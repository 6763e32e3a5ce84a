"""The one judgement of the flags R9, R10, P1 and P2 (domain.md §3), shared by the KPI page,
the filing check, the self-sufficiency report, its exports and PDF, and the API.

The rules are kpi.ledger.flags; what they are judged against is loaded here, the same way
for one alliance-year or a whole programme year, in a fixed number of queries:

- last year's figures: the accepted second KPI filing where there is one (official), else
  last year's live ledger; the flag names which;
- last year's member list (P1): its company members, beside the accepted M-COMPANY — a
  list that disagrees with the accepted figures is no basis, and P1 is not judged;
- the P2 floor: the company-member target of the accepted expected outcomes of the
  alliance's phase 1 year 3.
"""

from django.db.models import Count, Q

from alliances.models import AllianceYear
from kpi.filings.models import FilingKind, FilingState, SnapshotItem
from kpi.ledger import catalog, flags
from kpi.ledger.totals import ledger_totals
from members.models import MemberKind, Membership


def totals_from_items(values: dict) -> dict:
    """A totals dict (as ledger_totals gives) from item values by code, so that the flags
    work from snapshots (and imported figures) as from the live ledger."""
    totals: dict = {}
    for item in catalog.ITEMS:
        node = totals
        *parents, leaf = item.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = values.get(item.code) or 0
    return totals


def _previous_years(alliance_years) -> dict:
    """{ay.pk: the same alliance's alliance-year of the year before}, in one query."""
    wanted = {(ay.alliance_id, ay.programme_year.roc_year - 1): ay.pk for ay in alliance_years}
    if not wanted:
        return {}
    found = AllianceYear.objects.filter(
        alliance_id__in={a for a, _y in wanted},
        programme_year__roc_year__in={y for _a, y in wanted},
    ).select_related("programme_year")
    return {
        wanted[key]: previous
        for previous in found
        if (key := (previous.alliance_id, previous.programme_year.roc_year)) in wanted
    }


def _accepted_seconds(ids) -> dict:
    """{ay_id: {code: counted}} of each alliance-year's accepted second KPI filing (its last
    version), in one query."""
    values: dict = {}
    newest: dict = {}
    for ay_id, number, code, counted in (
        SnapshotItem.objects.filter(
            version__filing__alliance_year__in=ids,
            version__filing__kind=FilingKind.SECOND,
            version__filing__state=FilingState.ACCEPTED,
        )
        .order_by("version__number")
        .values_list("version__filing__alliance_year_id", "version__number", "code", "counted")
    ):
        if newest.get(ay_id, number) != number:
            values[ay_id] = {}  # a later version replaces the earlier one
        newest[ay_id] = number
        values.setdefault(ay_id, {})[code] = counted
    return values


def _listed(ids) -> dict:
    """{ay_id: (company members, all members)} on each alliance-year's list, in one query."""
    return {
        ay_id: (company, total)
        for ay_id, company, total in Membership.objects.filter(alliance_year__in=ids)
        .values("alliance_year_id")
        .annotate(company=Count("pk", filter=Q(counted_kind=MemberKind.COMPANY)), total=Count("pk"))
        .values_list("alliance_year_id", "company", "total")
        .order_by()
    }


def p2_floors(alliance_ids) -> dict:
    """P2 for many alliances in one query: the company-member target of each one's accepted
    expected outcomes of phase 1 year 3 (its last version's)."""
    floors: dict = {}
    for alliance_id, target in (
        SnapshotItem.objects.filter(
            code="M-COMPANY",
            version__filing__kind=FilingKind.EXPECTED,
            version__filing__state=FilingState.ACCEPTED,
            version__filing__alliance_year__alliance_id__in=list(alliance_ids),
            version__filing__alliance_year__phase=1,
            version__filing__alliance_year__phase_year=3,
        )
        .order_by("version__number")
        .values_list("version__filing__alliance_year__alliance_id", "target")
    ):
        floors[alliance_id] = target
    return floors


def bases(alliance_years) -> dict[int, flags.Basis]:
    """{ay.pk: its Basis} for alliance-years with their programme_year loaded: a fixed
    number of queries whatever their number (the live ledger only for last years without
    accepted figures)."""
    alliance_years = [ay for ay in alliance_years if ay is not None]
    previous = _previous_years(alliance_years)
    ids = [p.pk for p in previous.values()]
    accepted = _accepted_seconds(ids) if ids else {}
    listed = _listed(ids) if ids else {}
    live = ledger_totals([p for p in previous.values() if p.pk not in accepted])
    floors = p2_floors({ay.alliance_id for ay in alliance_years if ay.phase == 2})
    result = {}
    for ay in alliance_years:
        floor = floors.get(ay.alliance_id)
        before = previous.get(ay.pk)
        if before is None:
            result[ay.pk] = flags.Basis(floor=floor)
            continue
        company, members = listed.get(before.pk, (0, 0))
        common = {
            "roc_year": before.programme_year.roc_year,
            "listed_company": company,
            "floor": floor,
        }
        if before.pk in accepted:
            values = accepted[before.pk]
            result[ay.pk] = flags.Basis(
                source=flags.ACCEPTED,
                totals=totals_from_items(values),
                accepted_company=values.get("M-COMPANY") or 0,
                **common,
            )
            continue
        totals = live[before.pk].counted
        entered = live[before.pk].entered
        anything = members or entered["revenue"]["total_full"]
        result[ay.pk] = flags.Basis(
            source=flags.LEDGER if anything else None, totals=totals, **common
        )
    return result


def judge(ay, totals: dict, basis: flags.Basis) -> list[flags.Flag]:
    """The flags of an alliance-year's figures (a totals dict) against its basis."""
    return flags.judge(
        totals,
        basis,
        phase=ay.phase,
        phase_year=ay.phase_year,
        subsidy=ay.subsidy,
        weight=ay.collaboration_weight,
    )


def flags_of(ay, totals: dict) -> list[flags.Flag]:
    """The flags of one alliance-year (the KPI page, the filing check)."""
    return judge(ay, totals, bases([ay])[ay.pk])
