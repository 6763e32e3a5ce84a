"""The published tables (domain.md §7) computed from figures (reports/figures.py): members
and revenue by field, fee bands over a span of years, self-sufficiency. Totals and shares
come from the data; rounding (half up) happens only for display."""

from collections import Counter
from dataclasses import dataclass, field

from alliances.models import Field, FieldTarget
from core import lists
from core.money import FEE_BAND_LABELS, average_fee_thousands, fee_band, half_up_int
from kpi.filings import judgement
from kpi.ledger import flags
from reports.figures import FIELD_CODES, official_field_table

MAX_SPAN = 20


def _ratio(numerator, denominator) -> int | None:
    return half_up_int(numerator / denominator) if denominator else None


def _k(ntd: int) -> int:
    return half_up_int(ntd / 1000)


@dataclass
class FieldRow:
    field: Field | None  # None: the total row
    alliances: int = 0
    members: int = 0
    recurring: int = 0  # NT$
    transfer: int = 0
    collaboration: int = 0  # full amount
    target: int | None = None  # this year's field target
    next_target: int | None = None  # the suggested target of the next year
    share: int | None = None

    @property
    def reached(self) -> int | None:
        """Company members as a share of the field's target (%)."""
        return _ratio(100 * self.members, self.target) if self.target else None

    @property
    def average_members(self) -> int | None:
        return _ratio(self.members, self.alliances)

    @property
    def total(self) -> int:
        return self.recurring + self.transfer + self.collaboration

    @property
    def recurring_k(self) -> int:
        return _k(self.recurring)

    @property
    def transfer_k(self) -> int:
        return _k(self.transfer)

    @property
    def collaboration_k(self) -> int:
        return _k(self.collaboration)

    @property
    def total_k(self) -> int:
        return _k(self.total)

    @property
    def average_k(self) -> int | None:
        return _ratio(self.total, self.alliances * 1000)


def field_sums(figures) -> dict:
    """The field report's sums of alliance-years' figures, as figures.official_field_sums
    gives them from the database."""
    sums: dict = {}
    for fig in figures:
        row = sums.setdefault(
            fig.ay.alliance.field_id, dict.fromkeys(("alliances", *FIELD_CODES), 0)
        )
        row["alliances"] += 1
        for name, code in FIELD_CODES.items():
            row[name] += fig.get(code)
    return sums


def field_report(figures, roc_year: int) -> list[FieldRow]:
    """Members and revenue by field, then the total row (share 100 when there are members)."""
    return field_report_of(field_sums(figures), roc_year)


def field_report_of(sums: dict, roc_year: int) -> list[FieldRow]:
    """The field report from sums per field (field_sums or figures.official_field_sums)."""

    targets = {
        (year, field_id): members
        for year, field_id, members in FieldTarget.objects.filter(
            programme_year__roc_year__in=[roc_year, roc_year + 1]
        ).values_list("programme_year__roc_year", "field_id", "company_members")
    }
    rows = (
        FieldRow(
            f,
            target=targets.get((roc_year, f.pk)),
            next_target=targets.get((roc_year + 1, f.pk)),
        )
        for f in Field.objects.order_by("order")
    )
    return _field_rows(rows, sums)


def official_field_report(roc_year: int) -> list[FieldRow]:
    """The field report of the official figures, read in one statement
    (figures.official_field_table); the same rows as field_report(official(roc_year))."""
    table = official_field_table(roc_year)
    rows = (FieldRow(f, target=f.target, next_target=f.next_target) for f in table)
    return _field_rows(rows, {f.pk: f.sums for f in table if f.sums})


def _field_rows(rows, sums: dict) -> list[FieldRow]:
    """The rows of each field (in order) with their sums added, shares, then the total."""
    rows = {row.field.pk: row for row in rows}
    total = FieldRow(None)
    for field_id, sums_of_field in sums.items():
        for row in (rows[field_id], total):
            row.alliances += sums_of_field["alliances"]
            row.members += sums_of_field["members"]
            row.recurring += sums_of_field["recurring"]
            row.transfer += sums_of_field["transfer"]
            row.collaboration += sums_of_field["collaboration"]
    for row in rows.values():
        row.share = _ratio(100 * row.members, total.members)
    total.share = 100 if total.members else None
    set_targets = [r.target for r in rows.values() if r.target is not None]
    total.target = sum(set_targets) if set_targets else None
    next_targets = [r.next_target for r in rows.values() if r.next_target is not None]
    total.next_target = sum(next_targets) if next_targets else None
    return [*rows.values(), total]


@dataclass
class BandRow:
    field: Field | None
    counts: Counter = field(default_factory=Counter)

    @property
    def cells(self) -> list[int]:
        return [self.counts[label] for label in FEE_BAND_LABELS]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class FeeBands:
    """The fee-band table; `total_share` is 100 whenever there is a row to share."""

    rows: list[BandRow]  # per field, then the total
    shares: list[int | None]  # per band, of the total
    under_10k_share: int | None  # bands 0-5 and 6-10 (the deck's headline)
    without_members: list  # YearFigures of alliance-years without company members
    years: tuple[int, int]

    @property
    def total_share(self) -> int | None:
        return 100 if self.rows[-1].total else None


class FeeBandTally:
    """Counts alliance-years into fee bands as figures arrive, a year at a time if need be
    (the summary export streams a span of years through one tally)."""

    def __init__(self, first: int, last: int):
        self.years = (first, last)
        self.rows = {f.pk: BandRow(f) for f in Field.objects.order_by("order")}
        self.total = BandRow(None)
        self.without_members = []

    def add(self, figures) -> None:
        for fig in figures:
            average = average_fee_thousands(fig.get("R-FEE"), fig.get("M-COMPANY"))
            if average is None:
                self.without_members.append(fig)
                continue
            band = fee_band(average)
            self.rows[fig.ay.alliance.field_id].counts[band] += 1
            self.total.counts[band] += 1

    def result(self) -> FeeBands:
        total = self.total
        under = total.counts["0-5"] + total.counts["6-10"]
        return FeeBands(
            rows=[*self.rows.values(), total],
            shares=[_ratio(100 * n, total.total) for n in total.cells],
            under_10k_share=_ratio(100 * under, total.total),
            without_members=self.without_members,
            years=self.years,
        )


def fee_bands(figures, first: int, last: int) -> FeeBands:
    """Every alliance-year's membership fees (R-FEE, all members' fees) ÷ its company
    members, in 仟元 rounded half up, counted in its band; per field, total and shares."""
    tally = FeeBandTally(first, last)
    tally.add(figures)
    return tally.result()


@dataclass
class SelfSufficiency:
    fig: object
    ratio: int | None  # counted revenue (R8) ÷ subsidy, %
    flags: list


def self_sufficiency(figures, bases: dict | None = None) -> list:
    """Per alliance-year of official figures: counted total revenue (R8 weight applied) ÷
    subsidy, with the flags R9, R10, P1 and P2 judged as on every page
    (kpi.filings.judgement; `bases` from judgement.bases, loaded when not given)."""
    if bases is None:
        bases = judgement.bases([fig.ay for fig in figures])
    return [
        SelfSufficiency(
            fig,
            flags.self_sufficiency_ratio(fig.get("R-TOTAL-C"), fig.ay.subsidy),
            judgement.judge(fig.ay, judgement.totals_from_items(fig.values), bases[fig.ay.pk]),
        )
        for fig in figures
    ]


class TrendTally:
    """Counted revenue and subsidy per field and year, summed as figures arrive."""

    def __init__(self, first: int, last: int):
        self.first, self.last = first, last
        self.sums: dict = {}

    def add(self, figures) -> None:
        for fig in figures:
            key = (fig.ay.alliance.field_id, fig.ay.programme_year.roc_year)
            counted, subsidy = self.sums.get(key, (0, 0))
            self.sums[key] = (counted + fig.get("R-TOTAL-C"), subsidy + fig.ay.subsidy)

    def result(self) -> dict:
        years = list(range(self.first, self.last + 1))
        rows = []
        for f in Field.objects.order_by("order"):
            cells = []
            for year in years:
                counted, subsidy = self.sums.get((f.pk, year), (0, 0))
                cells.append(flags.self_sufficiency_ratio(counted, subsidy))
            rows.append({"field": f, "cells": cells})
        return {"years": years, "rows": rows}


def trend(figures, first: int, last: int) -> dict:
    """Self-sufficiency (counted revenue ÷ subsidy, %) per field and year of the span."""
    tally = TrendTally(first, last)
    tally.add(figures)
    return tally.result()


def band_members(figures, band: str = "", field_code: str = "") -> list[tuple]:
    """The alliance-years in a fee band (all bands if none), of one field (all if none),
    each with its average fee per company member in 仟元."""
    rows = []
    for fig in figures:
        if field_code and fig.ay.alliance.field.code != field_code:
            continue
        average = average_fee_thousands(fig.get("R-FEE"), fig.get("M-COMPANY"))
        if average is None or (band and fee_band(average) != band):
            continue
        rows.append((fig, average))
    return rows


@dataclass
class FieldRatio:
    field: Field | None  # None: all fields together
    alliances: int = 0
    counted: int = 0  # counted revenue (R8 weight applied), NT$
    subsidy: int = 0  # NT$

    @property
    def ratio(self) -> int | None:
        return flags.self_sufficiency_ratio(self.counted, self.subsidy)


def field_self_sufficiency(figures) -> list[FieldRatio]:
    """Per field with alliances, then all together: the counted revenue of its alliances ÷
    their subsidies (the R10 ratio of the field as a whole)."""
    rows: dict = {}
    total = FieldRatio(None)
    for fig in figures:
        f = fig.ay.alliance.field
        row = rows.setdefault(f.pk, FieldRatio(f))
        for r in (row, total):
            r.alliances += 1
            r.counted += fig.get("R-TOTAL-C")
            r.subsidy += fig.ay.subsidy
    return [*sorted(rows.values(), key=lambda r: r.field.order), total] if rows else []


def fee_per_firm(figures) -> int | None:
    """All membership fees ÷ all company members, NT$ (the programme's target is per firm)."""
    return _ratio(sum(f.get("R-FEE") for f in figures), sum(f.get("M-COMPANY") for f in figures))


def latest_official_year() -> int | None:
    """The newest programme year with an accepted second filing: the reports' default."""
    from kpi.models import FilingKind, FilingState, FilingVersion

    return (
        FilingVersion.objects.filter(
            filing__kind=FilingKind.SECOND, filing__state=FilingState.ACCEPTED
        )
        .order_by("-filing__alliance_year__programme_year__roc_year")
        .values_list("filing__alliance_year__programme_year__roc_year", flat=True)
        .first()
    )


def fee_band_span(first_text, last_text) -> tuple[tuple[int, int] | None, str | None]:
    """((first, last), None) of a fee-band span asked for as text (either may be empty:
    the last defaults to the newest official year, the first to four years before it, as
    far back as there are years), or (None, what to fix). 404 with no programme year."""
    from django.http import Http404
    from django.utils.translation import gettext as _

    from alliances.models import ProgrammeYear

    known = set(ProgrammeYear.objects.values_list("roc_year", flat=True))
    if not known:
        raise Http404
    try:
        last = int(last_text or latest_official_year() or max(known))
        first = int(first_text or max(last - 4, min(known)))
    except (TypeError, ValueError):
        return None, _("Write the years as numbers, e.g. 102 and 106.")
    if first > last:
        return None, _("The span runs backwards: the first year must not be after the last.")
    if last - first + 1 > MAX_SPAN:
        return None, _("A span covers at most %(n)s years.") % {"n": MAX_SPAN}
    missing = [y for y in range(first, last + 1) if y not in known]
    if missing:
        return None, _("There is no programme year %(years)s.") % {
            "years": lists.join(map(str, missing))
        }
    return (first, last), None


def visible(rows, named, get_alliance_id) -> tuple[list, int]:
    """(the rows a reader may see named, how many are hidden): `named` is
    permissions.named_alliances(user), None for every alliance."""
    if named is None:
        return rows, 0
    mine = [r for r in rows if get_alliance_id(r) in named]
    return mine, len(rows) - len(mine)


@dataclass
class SelfSufficiencyReport:
    data: list  # the year's official YearFigures
    rows: list[SelfSufficiency]  # every alliance-year's ratio and flags
    fields: list[FieldRatio]
    trend: dict  # five years per field


def self_sufficiency_report(year: int) -> SelfSufficiencyReport:
    """The self-sufficiency report of a year from the official figures: per alliance-year
    (R10 ratio, R9, P1 and P2 judged as on the KPI page), per field, and the trend
    of the five years to `year`. One computation for the page, its PDF and the API."""
    from reports import figures

    data = figures.official(year)
    return SelfSufficiencyReport(
        data=data,
        rows=self_sufficiency(data),
        fields=field_self_sufficiency(data),
        trend=trend(figures.official_span(year - 4, year, figures.TREND_CODES), year - 4, year),
    )
