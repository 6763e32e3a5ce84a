"""Flags on an alliance-year (domain.md §3): R9 growth, R10 self-sufficiency, the phase-2
floors P1 and P2. Each flag says what it found with its rule id, and what it was judged
against.

These are the rules themselves, pure functions of figures. What they are judged against
— last year's figures and member list, the P2 floor — is a Basis, loaded in one place
(kpi.filings.judgement), so that every page, export and the API judge the same way. A
flag whose basis is missing, or disagrees with the accepted figures, is "not judged"
(ok=None) with the reason: never a pass."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_ntd, round_half_up

SELF_SUFFICIENCY_TARGET = 80  # % of the subsidy, by phase 2 year 3 (R10)
P1_NEW_MEMBERS = 3

ACCEPTED = "accepted"  # last year's accepted second KPI filing (official)
LEDGER = "ledger"  # last year's live ledger and member list (not accepted yet)


@dataclass(frozen=True)
class Flag:
    rule: str
    ok: bool | None  # None: not judged (the message says why)
    message: str


@dataclass(frozen=True)
class Basis:
    """What an alliance-year's flags are judged against."""

    roc_year: int | None = None  # last year (None: the alliance has no earlier year here)
    source: str | None = None  # ACCEPTED, LEDGER, or None: last year has no figures at all
    totals: dict | None = None  # last year's counted figures (a totals dict)
    listed_company: int = 0  # company members on last year's member list (P1)
    accepted_company: int | None = None  # M-COMPANY of last year's accepted figures
    floor: int | None = None  # P2: the company-member target of phase 1 year 3

    def describe(self) -> str:
        if self.source == ACCEPTED:
            return _("%(year)s accepted second KPI filing") % {"year": self.roc_year}
        return _("%(year)s ledger, not accepted yet") % {"year": self.roc_year}


def _weighted(revenue: dict, weight: int) -> int:
    return (
        revenue["recurring"] + revenue["transfer"] + revenue["collaboration_full"] * weight // 100
    )


def r9_growth(totals: dict, basis: Basis, weight: int, *, first_year: bool) -> Flag | None:
    """R9: counted total revenue must grow; both years counted under this year's weight."""
    if basis.roc_year is None:
        if first_year:
            return None  # an alliance's first year has nothing to grow from
        return Flag("R9", None, _("Not judged: last year's figures are not in the portal."))
    if basis.source is None:
        return Flag(
            "R9",
            None,
            _("Not judged: %(year)s has neither accepted figures nor records in the ledger.")
            % {"year": basis.roc_year},
        )
    now = _weighted(totals["revenue"], weight)
    before = _weighted(basis.totals["revenue"], weight)
    params = {
        "now": format_ntd(now),
        "before": format_ntd(before),
        "weight": weight,
        "basis": basis.describe(),
    }
    if now > before:
        return Flag(
            "R9",
            True,
            _(
                "Revenue grew: %(now)s against %(before)s last year (%(basis)s; both at a "
                "%(weight)s%% collaboration weight)."
            )
            % params,
        )
    return Flag(
        "R9",
        False,
        _(
            "Revenue did not grow: %(now)s against %(before)s last year (%(basis)s; both at "
            "a %(weight)s%% collaboration weight)."
        )
        % params,
    )


def self_sufficiency_ratio(counted: int, subsidy: int) -> int | None:
    """R10: counted total revenue (R8 weight applied) ÷ the same year's subsidy, in whole
    percent rounded half up (exact: 3 ÷ 8 is 38%); None without a subsidy. The one ratio
    of the KPI page, the reports (an alliance's and a field's sums) and the API."""
    if not subsidy:
        return None
    return int(round_half_up(Decimal(counted) * 100 / Decimal(subsidy), 0))


def r10_self_sufficiency(totals: dict, phase: int, phase_year: int, subsidy: int) -> Flag:
    counted = totals["revenue"]["total_counted"]
    if not subsidy:
        return Flag("R10", True, _("No subsidy this year: no self-sufficiency ratio."))
    ratio = f"{self_sufficiency_ratio(counted, subsidy)}%"
    due = phase == 2 and phase_year == 3
    ok = counted * 100 >= subsidy * SELF_SUFFICIENCY_TARGET or not due
    params = {"ratio": ratio, "target": SELF_SUFFICIENCY_TARGET}
    if due and not ok:
        return Flag(
            "R10",
            False,
            _(
                "Self-sufficiency %(ratio)s of the subsidy, below the "
                "%(target)s%% target of phase 2 year 3."
            )
            % params,
        )
    return Flag(
        "R10",
        True,
        _("Self-sufficiency %(ratio)s of the subsidy (target %(target)s%% by phase 2 year 3).")
        % params,
    )


def p1_new_members(totals: dict, phase: int, basis: Basis) -> Flag | None:
    """P1: at least three company members that were not the alliance's company members
    last year — judged only when last year's member list is there and agrees with last
    year's accepted figures."""
    if phase != 2:
        return None
    if basis.roc_year is None:
        return Flag("P1", None, _("Not judged: last year's member list is not in the portal."))
    year = {"year": basis.roc_year}
    if basis.accepted_company is not None and basis.listed_company != basis.accepted_company:
        return Flag(
            "P1",
            None,
            _(
                "Not judged: the %(year)s member list holds %(listed)s company members, "
                "its accepted figures %(accepted)s."
            )
            % {**year, "listed": basis.listed_company, "accepted": basis.accepted_company},
        )
    if basis.accepted_company is None and not basis.listed_company:
        return Flag(
            "P1",
            None,
            _("Not judged: %(year)s has no company members listed and no accepted figures.") % year,
        )
    new = totals["members"]["new_company"]
    params = {"n": new, "floor": P1_NEW_MEMBERS, "basis": basis.describe()}
    if new >= P1_NEW_MEMBERS:
        return Flag(
            "P1",
            True,
            _("%(n)s new company members (at least %(floor)s; against the %(basis)s).") % params,
        )
    return Flag(
        "P1",
        False,
        _(
            "Only %(n)s new company members; phase 2 needs at least %(floor)s a year "
            "(against the %(basis)s)."
        )
        % params,
    )


def p2_member_floor(totals: dict, phase: int, floor: int | None) -> Flag | None:
    if phase != 2:
        return None
    if floor is None:
        return Flag("P2", None, _("Not judged: no accepted phase-1 year-3 target yet."))
    n = totals["members"]["company"]
    params = {"n": n, "floor": floor}
    if n >= floor:
        return Flag(
            "P2",
            True,
            _("%(n)s company members, not below the phase-1 target of %(floor)s.") % params,
        )
    return Flag(
        "P2", False, _("%(n)s company members, below the phase-1 target of %(floor)s.") % params
    )


def judge(totals: dict, basis: Basis, *, phase, phase_year, subsidy, weight) -> list[Flag]:
    """R9, R10, P1 and P2 of an alliance-year's figures against its basis, in that order;
    the ones that do not apply (R9 in a first year, P1 and P2 in phase 1) left out."""
    found = (
        r9_growth(totals, basis, weight, first_year=phase == 1 and phase_year == 1),
        r10_self_sufficiency(totals, phase, phase_year, subsidy),
        p1_new_members(totals, phase, basis),
        p2_member_floor(totals, phase, basis.floor),
    )
    return [flag for flag in found if flag is not None]
