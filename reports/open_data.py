"""Open data (issue 22, point 2): the programme's published tables for anyone, as CSV and
JSON at fixed addresses, under the Open Government Data License (政府資料開放授權條款).

- Members and revenue by field of a year: the field report of the official figures
  (selectors.official_field_report), as the report page shows it.
- Fee bands over five years: the fee-band table of the official figures of the span
  (figures.official_span, selectors.fee_bands), as the report page shows it.

A year is published when every alliance-year of it has its second KPI filing accepted: its
official table is then final (docs/decisions.md, "Open data"). A dataset's data date is
the day its newest figure was accepted (or, for an imported past year, imported). Only
sums by field: no row, name or code of a single alliance.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.utils import timezone

from alliances.models import AllianceYear
from core.money import FEE_BAND_LABELS
from kpi.ledger import catalog
from kpi.models import Filing, FilingKind, FilingState
from reports import figures, selectors

SPAN_YEARS = 5  # the fee-band datasets cover five programme years, as the deck's table

LICENSE = "政府資料開放授權條款－第1版"
LICENSE_EN = "Open Government Data License, version 1.0"
LICENSE_URL = "https://data.gov.tw/license"
SOURCE = "科技部產學小聯盟計畫辦公室管考平台（各聯盟經核定之第二次KPI填報）"
SOURCE_EN = (
    "Programme office of the MOST industry–academia small-alliance programme, management "
    "portal (accepted second KPI filings)"
)

# The counting rules the columns follow (domain.md §3), in a sentence each.
RULES = {
    "M2": (
        "廠商會員為依商業登記法登記之營利單位或非研究型法人，有統一編號。",
        "A company member is a for-profit entity registered under the Business Registration "
        "Act or a non-research legal person, with a Unified Business Number.",
    ),
    "M3": (
        "無臺灣分公司或稅籍之外國公司及研究型法人列為其它會員。",
        "A foreign company without a Taiwan branch or tax registration, and a research-type "
        "legal person, are other members.",
    ),
    "M4": (
        "僅廠商會員計入聯盟會員數。",
        "Only company members count toward the member figure.",
    ),
    "M5": (
        "會員依聯盟及年度計算；同一廠商加入兩個聯盟計兩次。",
        "Membership counts per alliance and year: a firm in two alliances counts twice.",
    ),
    "R1": (
        "聯盟總收入＝經常性營運收入＋技術轉移收入＋衍生產學合作收入。",
        "Total revenue = recurring operating + technology transfer + derived "
        "industry–academia collaboration revenue.",
    ),
    "R2": (
        "經常性營運收入＝會員費收入＋技術服務收入＋其他收入。",
        "Recurring operating revenue = membership fees + technical service + other revenue.",
    ),
    "R3": (
        "營運收入僅計聯盟可自由運用之現金。",
        "Operating revenue counts only cash the alliance may freely use.",
    ),
    "R6": (
        "技術轉移收入僅計與本聯盟廠商會員於計畫年度內簽約者。",
        "Technology transfer counts only with a company member of the alliance, signed "
        "within the project year.",
    ),
    "R7": (
        "產學合作案僅計與廠商會員於計畫年度內簽約者。",
        "A collaboration project counts only with a company member, signed within the "
        "project year.",
    ),
    "R8": (
        "本表產學合作收入以全額列示；第二期之計入權重只用於自給自足率。",
        "Collaboration revenue is shown at its full amount; the phase-2 weight applies to "
        "the self-sufficiency ratio only.",
    ),
}

NOTES = [
    (
        "金額單位為仟元（新臺幣千元），四捨五入僅用於顯示；合計、平均與占比以原始金額計算。",
        "Amounts in NT$ thousands (NT$1,000), rounded half up for display only; totals, "
        "averages and shares are computed from the full amounts.",
    ),
    (
        "年度為民國年：N年度為N.02.01至(N+1).01.31，西元年＝民國年＋1911。",
        "Years are ROC years: year N runs from N.02.01 to (N+1).01.31; AD = ROC + 1911.",
    ),
]


def _rules(*codes: str, extra: tuple = ()) -> tuple:
    """The rule ids of catalog items (kpi.ledger.catalog), then any extra, each once."""
    ids = [rule for code in codes for rule in catalog.BY_CODE[code].rules.split()]
    return tuple(dict.fromkeys([*ids, *extra]))


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key (English)
    label_zh: str  # the CSV header (zh-Hant)
    label_en: str
    unit: str | None = None  # 仟元 (NT$1,000), %, alliances, firms, alliance-years
    rules: tuple = ()

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "rules": list(self.rules),
        }


FIELD_NAME_COLUMNS = (
    Column("field_code", "領域代碼", "Field code"),
    Column("field", "領域", "Field"),
    Column("field_en", "領域英文名稱", "Field (English)"),
)
MEMBER_RULES = _rules("M-COMPANY", extra=("M5",))

FIELD_COLUMNS = (
    *FIELD_NAME_COLUMNS,
    Column("alliances", "聯盟數", "Alliances", "alliances"),
    Column("company_members", "廠商會員數", "Company members", "firms", MEMBER_RULES),
    Column(
        "average_company_members",
        "平均每聯盟廠商會員數",
        "Average company members per alliance",
        "firms",
        MEMBER_RULES,
    ),
    Column(
        "company_member_share",
        "廠商會員數占比（%）",
        "Share of company members (%)",
        "%",
        MEMBER_RULES,
    ),
    Column(
        "recurring_revenue",
        "經常性營運收入（仟元）",
        "Recurring operating revenue (NT$1,000)",
        "仟元",
        _rules("R-RECURRING", "R-FEE"),
    ),
    Column(
        "technology_transfer_revenue",
        "技術轉移收入（仟元）",
        "Technology transfer revenue (NT$1,000)",
        "仟元",
        _rules("R-TRANSFER"),
    ),
    Column(
        "collaboration_revenue",
        "衍生產學合作收入（仟元）",
        "Derived collaboration revenue, full amount (NT$1,000)",
        "仟元",
        _rules("R-COLLAB", extra=("R8",)),
    ),
    Column(
        "total_revenue", "聯盟總收入（仟元）", "Total revenue (NT$1,000)", "仟元", _rules("R-TOTAL")
    ),
    Column(
        "average_revenue",
        "平均每聯盟總收入（仟元）",
        "Average total revenue per alliance (NT$1,000)",
        "仟元",
        _rules("R-TOTAL"),
    ),
)

FEE_RULES = _rules("R-FEE", "M-COMPANY")


def _band_key(label: str) -> str:
    return "band_" + label.replace("-", "_").replace("+", "_plus")


BAND_COLUMNS = (
    *FIELD_NAME_COLUMNS,
    *(
        Column(_band_key(label), f"{label}仟元", f"{label} (NT$1,000)", "alliance-years", FEE_RULES)
        for label in FEE_BAND_LABELS
    ),
    Column("total", "總計", "Total", "alliance-years", FEE_RULES),
)

TOTAL = {"field_code": "total", "field": "總計", "field_en": "Total"}  # as the deck's tables


def _names(f) -> dict:
    if f is None:
        return dict(TOTAL)
    return {"field_code": f.code, "field": f.name_zh, "field_en": f.name_en}


@dataclass
class Dataset:
    """One published table: its metadata, columns and rows (dicts keyed by column)."""

    kind: str  # "fields" or "fee_bands"
    key: str  # e.g. fields-106, fee-bands-102-106 (also the download's file name)
    title: str
    title_en: str
    data_date: dt.date | None
    columns: tuple
    rows: list
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "title_en": self.title_en,
            **licence(),
            "data_date": _iso(self.data_date),
            **self.extra,
            "rules": [{"id": r, "zh": zh, "en": en} for r, zh, en in rules_of(self.columns)],
            "notes": [{"zh": zh, "en": en} for zh, en in NOTES],
            "columns": [c.as_json() for c in self.columns],
            "rows": self.rows,
        }

    def csv_headers(self) -> list[str]:
        return [c.label_zh for c in self.columns]

    def csv_rows(self) -> list[list]:
        return [[row[c.key] for c in self.columns] for row in self.rows]


def licence() -> dict:
    return {
        "license": LICENSE,
        "license_en": LICENSE_EN,
        "license_url": LICENSE_URL,
        "source": SOURCE,
        "source_en": SOURCE_EN,
    }


# --- which years are published, and when their figures were accepted ---------------------


def published_years(years: Iterable[int] | None = None) -> dict[int, dt.date | None]:
    """The published years (of `years`, or all) → their data date, in two queries: a year
    is published when each of its alliance-years has an accepted second filing; its data
    date is the day (Asia/Taipei) of the newest acceptance or imported version among them."""
    counts = AllianceYear.objects.order_by().values("programme_year__roc_year")
    if years is not None:
        counts = counts.filter(programme_year__roc_year__in=list(years))
    accepted = Q(filings__kind=FilingKind.SECOND, filings__state=FilingState.ACCEPTED)
    published = [
        row["programme_year__roc_year"]
        for row in counts.annotate(
            n=Count("pk", distinct=True), accepted=Count("filings", filter=accepted, distinct=True)
        )
        if row["n"] and row["n"] == row["accepted"]
    ]
    if not published:
        return {}
    dates = {
        row["alliance_year__programme_year__roc_year"]: max(
            (t for t in (row["accepted_at"], row["submitted_at"]) if t is not None), default=None
        )
        for row in Filing.objects.filter(
            kind=FilingKind.SECOND,
            state=FilingState.ACCEPTED,
            alliance_year__programme_year__roc_year__in=published,
        )
        .order_by()
        .values("alliance_year__programme_year__roc_year")
        .annotate(
            accepted_at=Max(
                "transitions__at", filter=Q(transitions__to_state=FilingState.ACCEPTED)
            ),
            submitted_at=Max("versions__submitted_at"),
        )
    }
    return {
        year: timezone.localdate(dates[year]) if dates.get(year) else None
        for year in sorted(published)
    }


def published_spans(years: Iterable[int]) -> list[tuple[int, int]]:
    """Every run of SPAN_YEARS consecutive published years, as (first, last)."""
    known = set(years)
    return [
        (first, first + SPAN_YEARS - 1)
        for first in sorted(known)
        if all(first + n in known for n in range(SPAN_YEARS))
    ]


def _iso(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def _newest(dates) -> dt.date | None:
    return max((d for d in dates if d is not None), default=None)


# --- the datasets ---------------------------------------------------------------------------


def fields_title(roc_year: int) -> tuple[str, str]:
    return (
        f"產學小聯盟各領域會員與收入（{roc_year}年度）",
        f"Alliance members and revenue by field, ROC year {roc_year}",
    )


def fee_bands_title(first: int, last: int) -> tuple[str, str]:
    return (
        f"產學小聯盟平均每家廠商會員會費級距分布（{first}–{last}年度）",
        f"Alliance-years by average membership fee per company member, ROC years {first}–{last}",
    )


def fields_dataset(roc_year: int) -> Dataset | None:
    """Members and revenue by field of a published year (None if it is not): the rows of
    selectors.official_field_report, the report page's, then the total."""
    dates = published_years([roc_year])
    if roc_year not in dates:
        return None
    rows = [
        _names(row.field)
        | {
            "alliances": row.alliances,
            "company_members": row.members,
            "average_company_members": row.average_members,
            "company_member_share": row.share,
            "recurring_revenue": row.recurring_k,
            "technology_transfer_revenue": row.transfer_k,
            "collaboration_revenue": row.collaboration_k,
            "total_revenue": row.total_k,
            "average_revenue": row.average_k,
        }
        for row in selectors.official_field_report(roc_year)
    ]
    title, title_en = fields_title(roc_year)
    return Dataset(
        "fields",
        f"fields-{roc_year}",
        title,
        title_en,
        dates[roc_year],
        FIELD_COLUMNS,
        rows,
        {"roc_year": roc_year},
    )


def fee_bands_dataset(first: int, last: int) -> Dataset | None:
    """The fee bands of a span of SPAN_YEARS published years (None otherwise), as the report
    page counts them; the shares and the alliance-years without company members (counted
    apart, unnamed) in the metadata."""
    years = list(range(first, last + 1))
    if len(years) != SPAN_YEARS:
        return None
    dates = published_years(years)
    if set(years) - set(dates):
        return None
    bands = selectors.fee_bands(figures.official_span(first, last, figures.FEE_CODES), first, last)
    rows = [
        _names(row.field)
        | {_band_key(label): n for label, n in zip(FEE_BAND_LABELS, row.cells, strict=True)}
        | {"total": row.total}
        for row in bands.rows
    ]
    title, title_en = fee_bands_title(first, last)
    return Dataset(
        "fee_bands",
        f"fee-bands-{first}-{last}",
        title,
        title_en,
        _newest(dates.values()),
        BAND_COLUMNS,
        rows,
        {
            "first_year": first,
            "last_year": last,
            "band_shares": {
                _band_key(label): share
                for label, share in zip(FEE_BAND_LABELS, bands.shares, strict=True)
            },
            "under_10k_share": bands.under_10k_share,
            "alliance_years_without_company_members": len(bands.without_members),
        },
    )


@dataclass
class Entry:
    """A dataset in the catalogue: what it is, its data date and its URL arguments."""

    kind: str
    key: str
    title: str
    title_en: str
    data_date: dt.date | None
    kwargs: dict

    @property
    def years(self) -> dict:
        if self.kind == "fields":
            return {"roc_year": self.kwargs["roc_year"]}
        return {"first_year": self.kwargs["first"], "last_year": self.kwargs["last"]}


def catalogue() -> list[Entry]:
    """Every published dataset, newest first within each kind (two queries)."""
    dates = published_years()
    entries = [
        Entry("fields", f"fields-{y}", *fields_title(y), dates[y], {"roc_year": y})
        for y in sorted(dates, reverse=True)
    ]
    entries += [
        Entry(
            "fee_bands",
            f"fee-bands-{first}-{last}",
            *fee_bands_title(first, last),
            _newest(dates[y] for y in range(first, last + 1)),
            {"first": first, "last": last},
        )
        for first, last in reversed(published_spans(dates))
    ]
    return entries


def catalogue_json(urls) -> dict:
    """The catalogue as JSON; `urls(entry)` gives an entry's {"csv": …, "json": …}."""
    entries = catalogue()
    return {
        "title": "產學小聯盟開放資料",
        "title_en": "Industry–academia small-alliance programme: open data",
        **licence(),
        "data_date": _iso(_newest(e.data_date for e in entries)),
        "datasets": [
            {
                "id": e.key,
                "kind": e.kind,
                "title": e.title,
                "title_en": e.title_en,
                "data_date": _iso(e.data_date),
                **e.years,
            }
            | urls(e)
            for e in entries
        ],
    }


def rules_of(columns) -> list[tuple[str, str, str]]:
    """(id, zh, en) of every rule the columns cite, in order."""
    ids = dict.fromkeys(rule for c in columns for rule in c.rules)
    return [(r, *RULES[r]) for r in ids]
