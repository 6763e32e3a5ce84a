"""Reads for the ledger: the rules' context of an alliance-year, totals per KPI item, the
revenue table by field."""

from django.db.models import Count, Q, Sum

from alliances.models import AllianceYear, Field
from core.money import half_up_int
from kpi.ledger.models import (
    Activity,
    ActivityKind,
    Outcome,
    OutcomeKind,
    RevenueEntry,
    RevenueKind,
)
from kpi.ledger.rules import YearContext
from members.models import Firm, MemberKind, Membership


def _with_merged(firm_ids: set) -> frozenset:
    """Firms merged into these count as them: records naming a merged duplicate keep their
    verdict after the office merges it."""
    merged = Firm.objects.filter(merged_into__in=firm_ids).values_list("pk", flat=True)
    return frozenset(firm_ids | set(merged))


def year_context(alliance_year: AllianceYear) -> YearContext:
    year = alliance_year.programme_year
    members = Membership.objects.filter(alliance_year=alliance_year).exclude(firm=None)
    company = set(members.filter(counted_kind=MemberKind.COMPANY).values_list("firm_id", flat=True))
    return YearContext(
        roc_year=year.roc_year,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        phase=alliance_year.phase,
        weight=alliance_year.collaboration_weight,
        company_firm_ids=_with_merged(company),
        member_firm_ids=_with_merged(set(members.values_list("firm_id", flat=True))),
    )


def _sum(qs, field="full_amount") -> int:
    return qs.aggregate(s=Sum(field))["s"] or 0


def _scope(model, alliance_year, *, through=None, counted_only=True):
    """Records of an alliance-year: counted ones (or all entered), dated up to `through`."""
    qs = model.objects.filter(alliance_year=alliance_year)
    if counted_only:
        qs = qs.filter(counted=True)
    if through is not None:
        qs = qs.filter(date__lte=through)
    return qs


def revenue_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    """Counted revenue of an alliance-year by kind: full and counted amounts, and counts.
    With counted_only=False: everything entered, excluded records included."""
    rows = (
        _scope(RevenueEntry, alliance_year, through=through, counted_only=counted_only)
        .values("kind")
        .annotate(full=Sum("full_amount"), counted=Sum("counted_amount"), n=Count("pk"))
        .order_by()
    )
    by_kind = {r["kind"]: r for r in rows}

    def get(kind, key):
        return (by_kind.get(kind) or {}).get(key) or 0

    fees = get(RevenueKind.MEMBERSHIP_FEE, "full")
    service = get(RevenueKind.TECHNICAL_SERVICE, "full")
    other = get(RevenueKind.OTHER_OPERATING, "full")
    recurring = fees + service + other
    transfer = get(RevenueKind.TECHNOLOGY_TRANSFER, "full")
    collab_full = get(RevenueKind.COLLABORATION, "full")
    collab_counted = get(RevenueKind.COLLABORATION, "full" if not counted_only else "counted")
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


def outcome_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    amount = "counted_amount" if counted_only else "full_amount"
    rows = (
        _scope(Outcome, alliance_year, through=through, counted_only=counted_only)
        .values("kind")
        .annotate(total=Sum(amount), n=Count("pk"))
        .order_by()
    )
    by_kind = {r["kind"]: r for r in rows}
    result = {kind: (by_kind.get(kind) or {}).get("n", 0) for kind in OutcomeKind.values}
    result["new_hires"] = (by_kind.get(OutcomeKind.NEW_HIRES) or {}).get("total") or 0
    result["output_value"] = (by_kind.get(OutcomeKind.OUTPUT_VALUE) or {}).get("total") or 0
    return result


def activity_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    qs = _scope(Activity, alliance_year, through=through, counted_only=counted_only)
    amount = "counted_amount" if counted_only else "full_amount"
    agg = qs.aggregate(
        promotion=Count("pk", filter=Q(kind=ActivityKind.PROMOTION)),
        seminar=Count("pk", filter=Q(kind=ActivityKind.SEMINAR)),
        seminar_attendees=Sum(amount, filter=Q(kind=ActivityKind.SEMINAR)),
        consulting=Count("pk", filter=Q(kind=ActivityKind.CONSULTING)),
        onsite=Count("pk", filter=Q(kind=ActivityKind.ONSITE)),
    )
    agg["seminar_attendees"] = agg["seminar_attendees"] or 0
    return agg


def revenue_by_field(roc_year: int) -> list[dict]:
    """The deck's revenue table in 仟元 from counted records; collaboration at its full
    amount (R8 applies where revenue is judged against the subsidy, not here)."""
    alliance_years = AllianceYear.objects.filter(programme_year__roc_year=roc_year)
    per_field_alliances = dict(
        alliance_years.values_list("alliance__field").annotate(n=Count("pk")).order_by()
    )
    rows = (
        RevenueEntry.objects.filter(alliance_year__in=alliance_years, counted=True)
        .values("alliance_year__alliance__field", "kind")
        .annotate(full=Sum("full_amount"))
        .order_by()
    )
    sums: dict = {}
    for r in rows:
        field_sums = sums.setdefault(r["alliance_year__alliance__field"], {})
        field_sums[r["kind"]] = r["full"] or 0
    table, grand = [], {"recurring": 0, "transfer": 0, "collaboration": 0, "alliances": 0}
    for field in list(Field.objects.order_by("order")) + [None]:
        if field is None:
            values = grand
        else:
            s = sums.get(field.pk, {})
            values = {
                "recurring": sum(
                    s.get(k, 0) for k in ("membership_fee", "technical_service", "other_operating")
                ),
                "transfer": s.get("technology_transfer", 0),
                "collaboration": s.get("collaboration", 0),
                "alliances": per_field_alliances.get(field.pk, 0),
            }
            for key in grand:
                grand[key] += values[key]
        total = values["recurring"] + values["transfer"] + values["collaboration"]
        table.append(
            {
                "field": field,
                "recurring": half_up_int(values["recurring"] / 1000),
                "transfer": half_up_int(values["transfer"] / 1000),
                "collaboration": half_up_int(values["collaboration"] / 1000),
                "total": half_up_int(total / 1000),
                "average": half_up_int(total / 1000 / values["alliances"])
                if values["alliances"]
                else 0,
            }
        )
    return table


def new_company_members(alliance_year) -> int:
    """P1: company members of this year that were not company members of the same
    alliance the year before."""
    now = set(
        Membership.objects.filter(alliance_year=alliance_year, counted_kind=MemberKind.COMPANY)
        .exclude(firm=None)
        .values_list("firm_id", flat=True)
    )
    before = set(
        Membership.objects.filter(
            alliance_year__alliance_id=alliance_year.alliance_id,
            alliance_year__programme_year__roc_year=alliance_year.programme_year.roc_year - 1,
            counted_kind=MemberKind.COMPANY,
        )
        .exclude(firm=None)
        .values_list("firm_id", flat=True)
    )
    return len(now - before)


def alliance_year_totals(
    alliance_year, *, through=None, counted_only=True, new_company=None
) -> dict:
    """Every value the catalog shows for one alliance-year (a bounded number of queries):
    what the rules count, or (counted_only=False) everything entered at its full amount;
    records dated up to `through` when given (a first KPI filing's period)."""
    from members.selectors import counts_for

    members = counts_for(alliance_year, entered=not counted_only)
    members["new_company"] = (
        new_company if new_company is not None else new_company_members(alliance_year)
    )
    scope = {"through": through, "counted_only": counted_only}
    revenue = revenue_totals(alliance_year, **scope)
    subsidy = alliance_year.subsidy
    revenue["self_sufficiency"] = (
        half_up_int(revenue["total_counted"] * 100 / subsidy) if subsidy and counted_only else None
    )
    return {
        "members": members,
        "revenue": revenue,
        "outcomes": outcome_totals(alliance_year, **scope),
        "activities": activity_totals(alliance_year, **scope),
    }


def field_fee_distribution(alliance_year) -> dict:
    """The fee bands of the alliance's field in this programme year (§7): counts per band
    and the band of this alliance; alliance-years without company members apart."""
    from core.money import FEE_BAND_LABELS, average_fee_thousands, fee_band

    peers = AllianceYear.objects.filter(
        programme_year_id=alliance_year.programme_year_id,
        alliance__field_id=alliance_year.alliance.field_id,
    )
    fees = dict(
        RevenueEntry.objects.filter(
            alliance_year__in=peers, counted=True, kind=RevenueKind.MEMBERSHIP_FEE
        )
        .values_list("alliance_year")
        .annotate(s=Sum("full_amount"))
        .order_by()
    )
    companies = dict(
        Membership.objects.filter(alliance_year__in=peers, counted_kind=MemberKind.COMPANY)
        .values_list("alliance_year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    bands = dict.fromkeys(FEE_BAND_LABELS, 0)
    without = 0
    own = None
    for ay_id in peers.values_list("pk", flat=True):
        average = average_fee_thousands(fees.get(ay_id, 0), companies.get(ay_id, 0))
        if average is None:
            without += 1
            continue
        band = fee_band(average)
        bands[band] += 1
        if ay_id == alliance_year.pk:
            own = {"average": average, "band": band}
    return {"bands": bands, "own": own, "without_members": without}
