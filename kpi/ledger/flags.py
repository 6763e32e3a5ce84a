"""Flags on an alliance-year (domain.md §3): R9 growth, R10 self-sufficiency, the phase-2
floors P1 and P2. Each flag says what it found with its rule id."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.money import format_ntd, format_percent

SELF_SUFFICIENCY_TARGET = 80  # % of the subsidy, by phase 2 year 3 (R10)
P1_NEW_MEMBERS = 3


@dataclass(frozen=True)
class Flag:
    rule: str
    ok: bool | None  # None: could not be checked yet
    message: str


def r9_growth(totals: dict, previous: dict | None, weight: int) -> Flag | None:
    """R9: counted total revenue must grow; both years counted under this year's weight."""
    if previous is None:
        return None
    r = totals["revenue"]
    p = previous["revenue"]
    now = r["recurring"] + r["transfer"] + r["collaboration_full"] * weight // 100
    before = p["recurring"] + p["transfer"] + p["collaboration_full"] * weight // 100
    params = {"now": format_ntd(now), "before": format_ntd(before), "weight": weight}
    if now > before:
        return Flag(
            "R9",
            True,
            _(
                "Revenue grew: %(now)s against %(before)s last year "
                "(both at a %(weight)s%% collaboration weight)."
            )
            % params,
        )
    return Flag(
        "R9",
        False,
        _(
            "Revenue did not grow: %(now)s against %(before)s last year "
            "(both at a %(weight)s%% collaboration weight)."
        )
        % params,
    )


def r10_self_sufficiency(totals: dict, phase: int, phase_year: int, subsidy: int) -> Flag:
    counted = totals["revenue"]["total_counted"]
    if not subsidy:
        return Flag("R10", True, _("No subsidy this year: no self-sufficiency ratio."))
    ratio = format_percent(counted, subsidy)
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


def p1_new_members(totals: dict, phase: int) -> Flag | None:
    if phase != 2:
        return None
    new = totals["members"]["new_company"]
    params = {"n": new, "floor": P1_NEW_MEMBERS}
    if new >= P1_NEW_MEMBERS:
        return Flag("P1", True, _("%(n)s new company members (at least %(floor)s).") % params)
    return Flag(
        "P1",
        False,
        _("Only %(n)s new company members; phase 2 needs at least %(floor)s a year.") % params,
    )


def p2_member_floor(totals: dict, phase: int, floor: int | None) -> Flag | None:
    if phase != 2:
        return None
    if floor is None:
        return Flag("P2", None, _("Not checked: no accepted phase-1 year-3 target yet."))
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
