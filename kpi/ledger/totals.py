"""Every value the catalog shows for alliance-years, from their ledgers and member lists:
one computation for the KPI page, the filing check, the snapshot a submission freezes and
the previous year's basis (selectors.alliance_year_totals reads one alliance-year through it).

Two views of the same records, read together: `counted` (what the rules count: M1–M5,
R1–R8, O1, S1) and `entered` (everything entered at its full amount, excluded records
included). Each record kind is read in one grouped query over all the alliance-years asked
for (by alliance-year, kind and verdict), so five queries serve any number of
alliance-years and both views.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from kpi.ledger.flags import self_sufficiency_ratio
from kpi.ledger.models import (
    Activity,
    ActivityKind,
    Outcome,
    OutcomeKind,
    RevenueEntry,
    RevenueKind,
)
from members.models import MemberKind, Membership


@dataclass
class LedgerTotals:
    counted: dict  # {"members": …, "revenue": …, "outcomes": …, "activities": …}
    entered: dict


def _scope(model, ids, through):
    qs = model.objects.filter(alliance_year__in=ids)
    return qs if through is None else qs.filter(date__lte=through)


def _grouped(rows, value_keys) -> dict:
    """{ay_id: ({kind: sums of counted records}, {kind: sums of all records})}."""
    out: dict = {}
    for row in rows:
        counted, entered = out.setdefault(row["alliance_year"], ({}, {}))
        views = (counted, entered) if row["counted"] else (entered,)
        for view in views:
            sums = view.setdefault(row["kind"], dict.fromkeys(value_keys, 0))
            for key in value_keys:
                sums[key] += row[key] or 0
    return out


def revenue_rows(ids, through=None) -> dict:
    rows = (
        _scope(RevenueEntry, ids, through)
        .values("alliance_year", "kind", "counted")
        .annotate(full=Sum("full_amount"), amount=Sum("counted_amount"), n=Count("pk"))
        .order_by()
    )
    return _grouped(rows, ("full", "amount", "n"))


def revenue_dict(by_kind: dict, counted_only: bool) -> dict:
    """Revenue by kind: full and counted amounts, and counts (R1, R8)."""

    def get(kind, key):
        return (by_kind.get(kind) or {}).get(key) or 0

    fees = get(RevenueKind.MEMBERSHIP_FEE, "full")
    service = get(RevenueKind.TECHNICAL_SERVICE, "full")
    other = get(RevenueKind.OTHER_OPERATING, "full")
    recurring = fees + service + other
    transfer = get(RevenueKind.TECHNOLOGY_TRANSFER, "full")
    collab_full = get(RevenueKind.COLLABORATION, "full")
    collab_counted = get(RevenueKind.COLLABORATION, "amount" if counted_only else "full")
    return {
        "membership_fees": fees,
        "technical_service": service,
        "technical_service_cases": get(RevenueKind.TECHNICAL_SERVICE, "n"),
        "other_operating": other,
        "recurring": recurring,
        "transfers": get(RevenueKind.TECHNOLOGY_TRANSFER, "n"),
        "transfer": transfer,
        "collaborations": get(RevenueKind.COLLABORATION, "n"),
        "collaboration_full": collab_full,
        "collaboration_counted": collab_counted,
        "total_full": recurring + transfer + collab_full,  # R1
        "total_counted": recurring + transfer + collab_counted,  # R1 with R8
    }


def outcome_rows(ids, through=None) -> dict:
    rows = (
        _scope(Outcome, ids, through)
        .values("alliance_year", "kind", "counted")
        .annotate(full=Sum("full_amount"), amount=Sum("counted_amount"), n=Count("pk"))
        .order_by()
    )
    return _grouped(rows, ("full", "amount", "n"))


def outcome_dict(by_kind: dict, counted_only: bool) -> dict:
    amount = "amount" if counted_only else "full"
    result = {kind: (by_kind.get(kind) or {}).get("n", 0) for kind in OutcomeKind.values}
    result["new_hires"] = (by_kind.get(OutcomeKind.NEW_HIRES) or {}).get(amount) or 0
    result["output_value"] = (by_kind.get(OutcomeKind.OUTPUT_VALUE) or {}).get(amount) or 0
    return result


def activity_rows(ids, through=None) -> dict:
    rows = (
        _scope(Activity, ids, through)
        .values("alliance_year", "kind", "counted")
        .annotate(full=Sum("full_amount"), amount=Sum("counted_amount"), n=Count("pk"))
        .order_by()
    )
    return _grouped(rows, ("full", "amount", "n"))


def activity_dict(by_kind: dict, counted_only: bool) -> dict:
    amount = "amount" if counted_only else "full"

    def n(kind):
        return (by_kind.get(kind) or {}).get("n", 0)

    return {
        "promotion": n(ActivityKind.PROMOTION),
        "seminar": n(ActivityKind.SEMINAR),
        "seminar_attendees": (by_kind.get(ActivityKind.SEMINAR) or {}).get(amount) or 0,
        "consulting": n(ActivityKind.CONSULTING),
        "onsite": n(ActivityKind.ONSITE),
    }


def _members(ids) -> dict:
    """{ay_id: (counted view, entered view)}: members by counted kind (M1–M4) with how many
    were re-classified (M3), and by the kind they were entered as."""
    out: dict = {}
    for row in (
        Membership.objects.filter(alliance_year__in=ids)
        .values("alliance_year", "counted_kind", "entered_kind")
        .annotate(n=Count("pk"), m3=Count("pk", filter=Q(rule="M3")))
        .order_by()
    ):
        counted, entered, m3 = out.setdefault(row["alliance_year"], ({}, {}, [0]))
        counted[row["counted_kind"]] = counted.get(row["counted_kind"], 0) + row["n"]
        entered[row["entered_kind"]] = entered.get(row["entered_kind"], 0) + row["n"]
        m3[0] += row["m3"]
    return {
        ay_id: (_member_counts(counted, m3[0]), _member_counts(entered, 0))
        for ay_id, (counted, entered, m3) in out.items()
    }


def _member_counts(by_kind: dict, reclassified: int) -> dict:
    return {
        "company": by_kind.get(MemberKind.COMPANY, 0),
        "individual": by_kind.get(MemberKind.INDIVIDUAL, 0),
        "other": by_kind.get(MemberKind.OTHER, 0),
        "reclassified": reclassified,
        "total": sum(by_kind.values()),
    }


def new_company(alliance_years) -> dict:
    """P1: {ay_id: company members of the year that were not company members of the same
    alliance the year before}, in one query."""
    wanted = {(ay.alliance_id, ay.programme_year.roc_year): ay.pk for ay in alliance_years}
    before_keys = {(alliance_id, year - 1) for alliance_id, year in wanted}
    firms: dict = {}
    for alliance_id, year, firm_id in (
        Membership.objects.filter(counted_kind=MemberKind.COMPANY)
        .exclude(firm=None)
        .filter(
            alliance_year__alliance_id__in={a for a, _y in wanted},
            alliance_year__programme_year__roc_year__in={y for _a, y in set(wanted) | before_keys},
        )
        .values_list(
            "alliance_year__alliance_id", "alliance_year__programme_year__roc_year", "firm_id"
        )
        .order_by()  # the model's ordering would join three tables and sort for nothing
    ):
        firms.setdefault((alliance_id, year), set()).add(firm_id)
    return {
        ay_id: len(
            firms.get((alliance_id, year), set()) - firms.get((alliance_id, year - 1), set())
        )
        for (alliance_id, year), ay_id in wanted.items()
    }


def ledger_totals(alliance_years, *, through=None) -> dict[int, LedgerTotals]:
    """Both views of every alliance-year given (each with its programme_year loaded), in
    five queries whatever their number; records dated up to `through` when given (a first
    KPI filing's period)."""
    alliance_years = [ay for ay in alliance_years if ay is not None]
    ids = [ay.pk for ay in alliance_years]
    members = _members(ids)
    new = new_company(alliance_years)
    revenue, outcomes, activities = (
        revenue_rows(ids, through),
        outcome_rows(ids, through),
        activity_rows(ids, through),
    )
    empty_members = _member_counts({}, 0)
    result = {}
    for ay in alliance_years:
        views = []
        for index, counted_only in ((0, True), (1, False)):
            view_members = dict(members.get(ay.pk, (empty_members, empty_members))[index])
            view_members["new_company"] = new[ay.pk]
            view_revenue = revenue_dict(revenue.get(ay.pk, ({}, {}))[index], counted_only)
            view_revenue["self_sufficiency"] = (
                self_sufficiency_ratio(view_revenue["total_counted"], ay.subsidy)
                if counted_only
                else None
            )
            views.append(
                {
                    "members": view_members,
                    "revenue": view_revenue,
                    "outcomes": outcome_dict(outcomes.get(ay.pk, ({}, {}))[index], counted_only),
                    "activities": activity_dict(
                        activities.get(ay.pk, ({}, {}))[index], counted_only
                    ),
                }
            )
        result[ay.pk] = LedgerTotals(*views)
    return result
