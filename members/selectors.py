"""Reads about members: counts per alliance-year and the members-by-field table (M4, M5)."""

from django.db.models import Count, Q

from alliances.models import AllianceYear, Field, FieldTarget
from core.money import half_up_int
from members.models import MemberKind, Membership

COMPANY = Q(memberships__counted_kind=MemberKind.COMPANY)


def counts_for(alliance_year, *, entered: bool = False) -> dict:
    """Members of one alliance-year by counted kind (or, entered=True, by the kind they were
    entered as), and how many were re-classified (M3)."""
    kind = "entered_kind" if entered else "counted_kind"
    rows = dict(alliance_year.memberships.values_list(kind).annotate(n=Count("pk")).order_by())
    return {
        "company": rows.get(MemberKind.COMPANY, 0),
        "individual": rows.get(MemberKind.INDIVIDUAL, 0),
        "other": rows.get(MemberKind.OTHER, 0),
        "reclassified": 0 if entered else alliance_year.memberships.filter(rule="M3").count(),
        "total": sum(rows.values()),
    }


def members_by_field(roc_year: int) -> list[dict]:
    """The deck's member table for a programme year, in the fields' fixed order: alliances,
    company members (M4; a firm in two alliances counts in both, M5), average per alliance,
    share of all company members (%), and the suggested target of the following year.
    Computed from the data; averages and shares are rounded half up only for display."""
    per_field = {
        row["alliance__field"]: row
        for row in AllianceYear.objects.filter(programme_year__roc_year=roc_year)
        .values("alliance__field")
        .annotate(
            alliances=Count("pk", distinct=True), company=Count("memberships", filter=COMPANY)
        )
        .order_by()
    }
    targets = dict(
        FieldTarget.objects.filter(programme_year__roc_year=roc_year + 1).values_list(
            "field_id", "company_members"
        )
    )
    total_members = sum(r["company"] for r in per_field.values())
    total_alliances = sum(r["alliances"] for r in per_field.values())
    rows = []
    for field in Field.objects.order_by("order"):
        data = per_field.get(field.pk, {"alliances": 0, "company": 0})
        rows.append(
            {
                "field": field,
                "alliances": data["alliances"],
                "company_members": data["company"],
                "average": half_up_int(data["company"] / data["alliances"])
                if data["alliances"]
                else 0,
                "share_pct": half_up_int(100 * data["company"] / total_members)
                if total_members
                else 0,
                "target": targets.get(field.pk),
            }
        )
    rows.append(
        {
            "field": None,
            "alliances": total_alliances,
            "company_members": total_members,
            "average": half_up_int(total_members / total_alliances) if total_alliances else 0,
            "share_pct": 100 if total_members else 0,
            "target": sum(targets.values()) if targets else None,
        }
    )
    return rows


def memberships_of(alliance_year):
    return (
        Membership.objects.filter(alliance_year=alliance_year)
        .select_related("firm")
        .order_by("entered_kind", "firm__name", "person_name", "pk")
    )
