"""The figures reports are made of (domain.md §7): for each alliance-year, the value of
every catalog item, from one of three sources.

- official: the last version of the accepted second KPI filing (imported past years too);
- submitted: the latest submitted version, of the second filing or else the first
  (provisional);
- live: the ledger and members as they are now (provisional).

Each source is read in a fixed number of queries, whatever the number of alliances.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from alliances.models import AllianceYear
from kpi.ledger import catalog
from kpi.models import FilingKind, FilingState, FilingVersion, RevenueEntry, SnapshotItem
from members.models import MemberKind, Membership

OFFICIAL, SUBMITTED, LIVE = "official", "submitted", "live"
SOURCES = (OFFICIAL, SUBMITTED, LIVE)


@dataclass
class YearFigures:
    ay: AllianceYear
    values: dict = field(default_factory=dict)
    version_id: int | None = None  # the snapshot behind the values (official, submitted)
    version_number: int | None = None
    filing_kind: str = ""

    @property
    def alliance(self):
        return self.ay.alliance

    def get(self, code: str) -> int:
        return self.values.get(code) or 0

    # For templates, which cannot look up "M-COMPANY":
    @property
    def members(self) -> int:
        return self.get("M-COMPANY")

    @property
    def fees(self) -> int:
        return self.get("R-FEE")

    @property
    def recurring(self) -> int:
        return self.get("R-RECURRING")

    @property
    def transfer(self) -> int:
        return self.get("R-TRANSFER")

    @property
    def collaboration(self) -> int:
        return self.get("R-COLLAB")

    @property
    def total(self) -> int:
        return self.get("R-TOTAL")

    @property
    def counted_total(self) -> int:
        return self.get("R-TOTAL-C")

    @property
    def self_ratio(self) -> int | None:
        return self.values.get("R-SELF")


def _years(first: int, last: int, alliance_ids=None):
    qs = AllianceYear.objects.filter(
        programme_year__roc_year__gte=first, programme_year__roc_year__lte=last
    ).select_related("alliance__field", "programme_year")
    if alliance_ids is not None:
        qs = qs.filter(alliance_id__in=alliance_ids)
    return qs.order_by("programme_year__roc_year", "alliance__field__order", "alliance__code")


def _with_items(years, chosen: dict, codes=None) -> list[YearFigures]:
    """chosen: alliance-year id → (version id, number, kind); items read in one query (only
    those of `codes` if given: a page that needs two items of five years reads those)."""
    items: dict = {}
    wanted = SnapshotItem.objects.filter(version_id__in=[v[0] for v in chosen.values()])
    if codes is not None:
        wanted = wanted.filter(code__in=codes)
    for (
        version_id,
        code,
        counted,
    ) in wanted.order_by().values_list(  # the model's ordering would join and sort for nothing
        "version_id", "code", "counted"
    ):
        items.setdefault(version_id, {})[code] = counted
    result = []
    for ay in years:
        if ay.pk not in chosen:
            continue
        version_id, number, kind = chosen[ay.pk]
        result.append(YearFigures(ay, items.get(version_id, {}), version_id, number, kind))
    return result


def _newest_accepted_seconds(first: int, last: int):
    """The last version of every accepted second filing of the years: the one with no
    later version (an anti-join, as the field report's sums)."""
    later = FilingVersion.objects.filter(filing=OuterRef("filing"), number__gt=OuterRef("number"))
    return (
        FilingVersion.objects.filter(
            filing__kind=FilingKind.SECOND,
            filing__state=FilingState.ACCEPTED,
            filing__alliance_year__programme_year__roc_year__gte=first,
            filing__alliance_year__programme_year__roc_year__lte=last,
        )
        .filter(~Exists(later))
        .order_by()
    )


@dataclass
class SpanYear:
    """An alliance-year as tallies over a span of years need it (official_span): its id,
    subsidy, alliance (unsaved instances built from the row's columns, shared per
    alliance: code, names, field) and programme year (roc_year only)."""

    pk: int
    subsidy: int
    alliance: object
    programme_year: object

    @property
    def alliance_id(self) -> int:
        return self.alliance.pk


def official_span(first: int, last: int, codes) -> list[YearFigures]:
    """The official figures of `codes` for every alliance-year of first..last with an
    accepted second filing, ordered as official() orders them, read as columns in one
    query: the tallies of a span (fee bands, the self-sufficiency trend) over ten years
    would otherwise build some ten thousand model instances. Each figure's `ay` is a
    SpanYear, enough to tally it and to name its alliance; not for pages that show more."""
    from alliances.models import Alliance, ProgrammeYear

    # Unordered: the model's ordering would join five tables and sort inside every lookup.
    item = SnapshotItem.objects.filter(version=OuterRef("pk")).order_by()
    values = {
        f"item_{n}": Subquery(item.filter(code=code).values("counted")[:1])
        for n, code in enumerate(codes)
    }
    ay = "filing__alliance_year__"
    rows = (
        _newest_accepted_seconds(first, last)
        .annotate(**values)
        .order_by(
            f"{ay}programme_year__roc_year", f"{ay}alliance__field__order", f"{ay}alliance__code"
        )
        .values_list(
            "pk",
            "number",
            f"{ay}id",
            f"{ay}subsidy",
            f"{ay}programme_year__roc_year",
            f"{ay}alliance_id",
            f"{ay}alliance__code",
            f"{ay}alliance__name_zh",
            f"{ay}alliance__name_en",
            f"{ay}alliance__field_id",
            *values,
        )
    )
    alliances: dict = {}
    years: dict = {}
    result = []
    for version_id, number, ay_id, subsidy, roc_year, alliance_id, *rest in rows:
        code, name_zh, name_en, field_id, *counted = rest
        alliance = alliances.get(alliance_id)
        if alliance is None:
            alliance = alliances[alliance_id] = Alliance(
                pk=alliance_id, code=code, name_zh=name_zh, name_en=name_en, field_id=field_id
            )
        year = years.get(roc_year) or years.setdefault(roc_year, ProgrammeYear(roc_year=roc_year))
        result.append(
            YearFigures(
                SpanYear(ay_id, subsidy, alliance, year),
                {code: v for code, v in zip(codes, counted, strict=True) if v is not None},
                version_id,
                number,
                FilingKind.SECOND,
            )
        )
    return result


FEE_CODES = ("R-FEE", "M-COMPANY")  # what fee bands need
TREND_CODES = ("R-TOTAL-C",)  # what the self-sufficiency trend needs (with the subsidy)
FIELD_CODES = {
    "members": "M-COMPANY",
    "recurring": "R-RECURRING",
    "transfer": "R-TRANSFER",
    "collaboration": "R-COLLAB",
}


# The field report's sums, in one statement (docs/decisions.md, "The field report's sums
# are SQL"): the last version of each accepted second filing of the year is the one with
# no later version, which PostgreSQL plans as an anti-join from the year's few hundred
# filings to their items through the index. Portable to SQLite; table names from the models.
_FIELD_SUMS_SQL = """
SELECT a.field_id AS field_id,
       COUNT(DISTINCT v.id) AS alliances,
       {sums}
FROM {version} v
JOIN {filing} f ON f.id = v.filing_id
JOIN {alliance_year} ay ON ay.id = f.alliance_year_id
JOIN {programme_year} py ON py.id = ay.programme_year_id
JOIN {alliance} a ON a.id = ay.alliance_id
LEFT JOIN {item} i ON i.version_id = v.id AND i.code IN ({codes})
WHERE py.roc_year = %s AND f.kind = %s AND f.state = %s
  AND NOT EXISTS (
      SELECT 1 FROM {version} later
      WHERE later.filing_id = v.filing_id AND later.number > v.number
  )
GROUP BY a.field_id
"""

# Every field in order with its sums (NULL without accepted filings) and the targets of the
# year and the next: the whole field report in one statement, as the page shows it.
_FIELD_TABLE_SQL = """
WITH sums AS ({sums_sql})
SELECT fd.*,
       COALESCE(s.alliances, 0) AS sum_alliances,
       {sum_columns},
       t.company_members AS target_members,
       nt.company_members AS next_target_members
FROM {field} fd
LEFT JOIN sums s ON s.field_id = fd.id
LEFT JOIN {field_target} t ON t.field_id = fd.id
 AND t.programme_year_id = (SELECT id FROM {programme_year} WHERE roc_year = %s)
LEFT JOIN {field_target} nt ON nt.field_id = fd.id
 AND nt.programme_year_id = (SELECT id FROM {programme_year} WHERE roc_year = %s)
ORDER BY fd."order"
"""


def _field_sums_sql() -> tuple[str, list]:
    """The sums statement (per field with accepted filings) and its parameters but the
    year's three (roc_year, kind, state)."""
    from alliances.models import Alliance, ProgrammeYear
    from kpi.models import Filing

    sql = _FIELD_SUMS_SQL.format(
        sums=", ".join(
            f"SUM(CASE WHEN i.code = %s THEN COALESCE(i.counted, 0) ELSE 0 END) AS {name}"
            for name in FIELD_CODES
        ),
        codes=", ".join(["%s"] * len(FIELD_CODES)),
        **{
            name: connection.ops.quote_name(model._meta.db_table)
            for name, model in (
                ("item", SnapshotItem),
                ("version", FilingVersion),
                ("filing", Filing),
                ("alliance_year", AllianceYear),
                ("programme_year", ProgrammeYear),
                ("alliance", Alliance),
            )
        },
    )
    codes = list(FIELD_CODES.values())
    return sql, [*codes, *codes]


def official_field_sums(roc_year: int) -> dict:
    """The field report's sums of the official figures, added up in the database: field id
    → {"alliances": n, "members": …, "recurring": …, "transfer": …, "collaboration": …}
    (NT$; fields without accepted filings are absent). The same as
    selectors.field_sums(official(roc_year)), which a test holds it to."""
    sql, params = _field_sums_sql()
    params += [roc_year, FilingKind.SECOND, FilingState.ACCEPTED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            field_id: {"alliances": int(n), **dict(zip(FIELD_CODES, map(int, sums), strict=True))}
            for field_id, n, *sums in cursor.fetchall()
        }


def official_field_table(roc_year: int) -> list:
    """Every field, in order, with the field report's sums of the official figures of
    `roc_year` (`field.sums`, as official_field_sums gives them, or None) and its targets
    for the year and the next (`field.target`, `field.next_target`, or None): the page's
    one statement (bench/reports.py holds it within 1.5× of hand-written SQL)."""
    from alliances.models import Field, FieldTarget, ProgrammeYear

    sums_sql, params = _field_sums_sql()
    sql = _FIELD_TABLE_SQL.format(
        sums_sql=sums_sql,
        sum_columns=", ".join(f"s.{name} AS sum_{name}" for name in FIELD_CODES),
        field=connection.ops.quote_name(Field._meta.db_table),
        field_target=connection.ops.quote_name(FieldTarget._meta.db_table),
        programme_year=connection.ops.quote_name(ProgrammeYear._meta.db_table),
    )
    params += [roc_year, FilingKind.SECOND, FilingState.ACCEPTED, roc_year, roc_year + 1]
    fields = list(Field.objects.raw(sql, params))
    for fd in fields:
        fd.sums = (
            {"alliances": fd.sum_alliances}
            | {name: int(getattr(fd, f"sum_{name}")) for name in FIELD_CODES}
            if fd.sum_alliances
            else None
        )
        fd.target, fd.next_target = fd.target_members, fd.next_target_members
    return fields


def official(
    first: int, last: int | None = None, alliance_ids=None, codes=None
) -> list[YearFigures]:
    """Alliance-years of the years first..last with an accepted second filing (with the
    values of `codes` only, if given)."""
    last = first if last is None else last
    years = list(_years(first, last, alliance_ids))
    chosen = {
        ay_id: (pk, number, FilingKind.SECOND)
        for pk, number, ay_id in _newest_accepted_seconds(first, last)
        .filter(filing__alliance_year__in=[ay.pk for ay in years])
        .values_list("pk", "number", "filing__alliance_year_id")
    }
    return _with_items(years, chosen, codes)


def submitted(roc_year: int, alliance_ids=None) -> list[YearFigures]:
    """Each alliance-year's latest submitted version: of its second filing, else its first."""
    years = list(_years(roc_year, roc_year, alliance_ids))
    chosen: dict = {}
    rank = {FilingKind.SECOND: 2, FilingKind.FIRST: 1}
    for pk, number, ay_id, kind in (
        FilingVersion.objects.filter(
            filing__kind__in=[FilingKind.FIRST, FilingKind.SECOND],
            filing__alliance_year__in=[ay.pk for ay in years],
        )
        .order_by("number")
        .values_list("pk", "number", "filing__alliance_year_id", "filing__kind")
    ):
        current = chosen.get(ay_id)
        if current is None or (rank[kind], number) >= (rank[current[2]], current[1]):
            chosen[ay_id] = (pk, number, kind)
    return _with_items(years, chosen)


def live(roc_year: int, alliance_ids=None) -> list[YearFigures]:
    """Members and counted revenue as they stand in the ledger now."""
    years = list(_years(roc_year, roc_year, alliance_ids))
    ids = [ay.pk for ay in years]
    members: dict = {}
    for ay_id, kind, n in (
        Membership.objects.filter(alliance_year__in=ids)
        .values_list("alliance_year", "counted_kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        members.setdefault(ay_id, {})[kind] = n
    revenue: dict = {}
    for ay_id, kind, full, counted in (
        RevenueEntry.objects.filter(alliance_year__in=ids, counted=True)
        .values_list("alliance_year", "kind")
        .annotate(full=Sum("full_amount"), counted=Sum("counted_amount", filter=Q(counted=True)))
        .order_by()
    ):
        revenue.setdefault(ay_id, {})[kind] = (full or 0, counted or 0)
    result = []
    for ay in years:
        m, r = members.get(ay.pk, {}), revenue.get(ay.pk, {})
        values = dict.fromkeys((item.code for item in catalog.TARGETED), 0)
        values.update(
            {
                "M-COMPANY": m.get(MemberKind.COMPANY, 0),
                "M-INDIVIDUAL": m.get(MemberKind.INDIVIDUAL, 0),
                "M-OTHER": m.get(MemberKind.OTHER, 0),
                "R-FEE": r.get("membership_fee", (0, 0))[0],
                "R-SERVICE": r.get("technical_service", (0, 0))[0],
                "R-OTHER": r.get("other_operating", (0, 0))[0],
                "R-TRANSFER": r.get("technology_transfer", (0, 0))[0],
                "R-COLLAB": r.get("collaboration", (0, 0))[0],
            }
        )
        derived = catalog.derive_targets(values, weight=ay.collaboration_weight, subsidy=ay.subsidy)
        result.append(YearFigures(ay, derived))
    return result


def of_year(roc_year: int, source: str = OFFICIAL, alliance_ids=None) -> list[YearFigures]:
    if source == SUBMITTED:
        return submitted(roc_year, alliance_ids)
    if source == LIVE:
        return live(roc_year, alliance_ids)
    return official(roc_year, alliance_ids=alliance_ids)
