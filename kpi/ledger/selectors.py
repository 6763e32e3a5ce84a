"""Reads for the ledger: the rules' context of an alliance-year, totals per KPI item, the
revenue table by field."""

from django.db.models import Count, Sum

from alliances.models import AllianceYear, Field
from core.money import half_up_int
from kpi.ledger import totals
from kpi.ledger.models import (
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


def revenue_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    """Counted revenue of an alliance-year by kind: full and counted amounts, and counts.
    With counted_only=False: everything entered, excluded records included."""
    views = totals.revenue_rows([alliance_year.pk], through).get(alliance_year.pk, ({}, {}))
    return totals.revenue_dict(views[0 if counted_only else 1], counted_only)


def outcome_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    views = totals.outcome_rows([alliance_year.pk], through).get(alliance_year.pk, ({}, {}))
    return totals.outcome_dict(views[0 if counted_only else 1], counted_only)


def activity_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    views = totals.activity_rows([alliance_year.pk], through).get(alliance_year.pk, ({}, {}))
    return totals.activity_dict(views[0 if counted_only else 1], counted_only)


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
    return totals.new_company([alliance_year])[alliance_year.pk]


def alliance_year_totals(alliance_year, *, through=None, counted_only=True) -> dict:
    """Every value the catalog shows for one alliance-year (five queries, totals.py): what
    the rules count, or (counted_only=False) everything entered at its full amount; records
    dated up to `through` when given (a first KPI filing's period). For both views, or
    several alliance-years, read totals.ledger_totals once instead."""
    both = totals.ledger_totals([alliance_year], through=through)[alliance_year.pk]
    return both.counted if counted_only else both.entered


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
