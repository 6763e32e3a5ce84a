"""Counting rules for the ledger (domain.md §3). Pure functions: a record and the facts of
its alliance-year in, a verdict out. Rule ids match domain.md; the sentence shown to people
is made from the rule id and its parameters in their language (`explain`).

    revenue(entry, ctx) -> Verdict(counted, full, counted_amount, rule, params)
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core import roc
from kpi.ledger.models import (
    NEVER_REVENUE,
    OPERATING,
    ActivityKind,
    Applicant,
    OutcomeKind,
    PayerKind,
    RevenueKind,
)
from members.models import EntityType


@dataclass(frozen=True)
class Verdict:
    counted: bool
    full: int
    counted_amount: int
    rule: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class YearContext:
    """What the rules need to know about an alliance-year."""

    roc_year: int
    starts_on: dt.date
    ends_on: dt.date
    phase: int
    weight: int  # R8: % of collaboration funding counted
    company_firm_ids: frozenset  # firms counted as company members this year (M4)
    member_firm_ids: frozenset  # firms that are members of any kind this year

    def inside(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    @property
    def bounds(self) -> dict:
        return {"start": self.starts_on.isoformat(), "end": self.ends_on.isoformat()}


def _counted(full: int, rule: str, counted_amount: int | None = None, **params) -> Verdict:
    return Verdict(True, full, full if counted_amount is None else counted_amount, rule, params)


def _excluded(full: int, rule: str, **params) -> Verdict:
    return Verdict(False, full, 0, rule, params)


def revenue(entry, ctx: YearContext) -> Verdict:
    amount = int(entry.amount)
    kind = entry.kind
    if kind in NEVER_REVENUE:
        return _excluded(amount, "R4", kind=kind)
    if kind in OPERATING and not entry.freely_usable:
        return _excluded(amount, "R3", kind=kind)
    if kind == RevenueKind.MEMBERSHIP_FEE:
        return _counted(amount, "R2", kind=kind)
    if kind == RevenueKind.OTHER_OPERATING:
        return _counted(amount, "R2", kind=kind)
    if kind == RevenueKind.TECHNICAL_SERVICE:
        if entry.firm_id is not None:
            # A firm on file is a firm unless it is a research-type legal person (M3).
            is_firm = entry.firm.entity_type != EntityType.RESEARCH_LEGAL
        else:
            is_firm = entry.payer_kind == PayerKind.FIRM
        if not is_firm:
            return _excluded(amount, "R5", payer_kind=entry.payer_kind)
        return _counted(amount, "R5", member=entry.firm_id in ctx.member_firm_ids)
    member = entry.firm_id in ctx.company_firm_ids
    signed = entry.date.isoformat()
    if kind == RevenueKind.TECHNOLOGY_TRANSFER:
        if not member or not ctx.inside(entry.date):
            return _excluded(amount, "R6", member=member, signed=signed, **ctx.bounds)
        return _counted(amount, "R6", signed=signed)
    if kind == RevenueKind.COLLABORATION:
        if not member or not ctx.inside(entry.date):
            return _excluded(amount, "R7", member=member, signed=signed, **ctx.bounds)
        weighted = amount * ctx.weight // 100
        return _counted(amount, "R8", weighted, weight=ctx.weight, phase=ctx.phase)
    raise ValueError(f"unknown revenue kind {kind!r}")


def outcome(record, ctx: YearContext) -> Verdict:
    quantity = int(record.amount if record.kind == OutcomeKind.OUTPUT_VALUE else record.quantity)
    member = record.firm_id in ctx.company_firm_ids
    patent = record.kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANT)
    if patent and record.applicant == Applicant.UNIVERSITY:
        return _excluded(quantity, "O2")
    rule = {"new_hires": "O3", "output_value": "O4"}.get(record.kind, "O1")
    if not member:
        return _excluded(quantity, rule, member=False)
    return _counted(quantity, rule)


def activity(record, ctx: YearContext, attendee_firm_ids=()) -> Verdict:
    if record.kind == ActivityKind.PROMOTION:
        return _counted(1, "S1")
    if record.kind == ActivityKind.SEMINAR:
        attendees = len(set(attendee_firm_ids)) + int(record.other_attendees)
        counted = len(set(attendee_firm_ids) & ctx.company_firm_ids)
        return Verdict(
            True, attendees, counted, "S2", {"attendees": attendees, "member_attendees": counted}
        )
    if record.firm_id not in ctx.member_firm_ids:
        return _excluded(1, "S3", member=False)
    return _counted(1, "S3")


def _roc(params: dict, key: str) -> str:
    return roc.format_roc_date(dt.date.fromisoformat(params[key])) if key in params else ""


def explain(rule: str, params: dict, counted: bool) -> str:  # noqa: C901 - one branch a rule
    """The verdict as a sentence in the active language."""
    start, end, signed = _roc(params, "start"), _roc(params, "end"), _roc(params, "signed")
    if rule == "R2":
        return _("Counted in recurring operating revenue (R2).")
    if rule == "R3":
        return _(
            "Not counted (R3): operating revenue counts only as cash the alliance may freely use."
        )
    if rule == "R4":
        return _(
            "Never revenue (R4): university incentives, donated equipment and the MOST "
            "subsidy are kept but never added to a total."
        )
    if rule == "R5":
        if counted:
            return _("Counted (R5): technical service paid by a firm.")
        return _("Not counted (R5): the payer is not a firm.")
    if rule in ("R6", "R7"):
        if counted:
            return _("Counted (R6): signed on %(signed)s with a company member.") % {
                "signed": signed
            }
        if not params.get("member"):
            return _(
                "Not counted (%(rule)s): the counterparty is not a company member of the "
                "alliance this year."
            ) % {"rule": rule}
        return _(
            "Not counted (%(rule)s): signed on %(signed)s, outside the programme year "
            "%(start)s–%(end)s."
        ) % {"rule": rule, "signed": signed, "start": start, "end": end}
    if rule == "R8":
        return (
            _(
                "Counted (R7, R8): %(weight)s%% of the full amount counts toward total revenue "
                "in phase %(phase)s."
            )
            % params
        )
    if rule == "O2":
        return _(
            "Not counted (O2): patents the university applies for or holds itself do not count."
        )
    if rule in ("O1", "O3", "O4"):
        if counted:
            return _("Counted (%(rule)s): for a company member.") % {"rule": rule}
        return _(
            "Not counted (%(rule)s): only outcomes for company members of the alliance count."
        ) % {"rule": rule}
    if rule == "S1":
        return _("Counted as a promotion activity (S1).")
    if rule == "S2":
        return (
            _(
                "Technical seminar (S2): %(member_attendees)s of %(attendees)s attendees are "
                "company members; only they count."
            )
            % params
        )
    if rule == "S3":
        if counted:
            return _("Counted (S3): a session for a member.")
        return _("Not counted (S3): the firm is not a member of the alliance this year.")
    return rule


# Counted records the office checks against a document: the contract or invoice of paid
# work (R5–R7) and the filing of a patent (O1). A filing with such a record and no evidence
# file cannot be submitted (kpi/checks.py).
EVIDENCE_REQUIRED = {
    ("revenue", "technical_service"): "R5",
    ("revenue", "technology_transfer"): "R6",
    ("revenue", "collaboration"): "R7",
    ("outcome", "patent_application"): "O1",
    ("outcome", "patent_grant"): "O1",
}


def evidence_rule(source: str, kind: str, counted: bool) -> str | None:
    """The rule that asks for evidence of this record, or None if it needs none."""
    return EVIDENCE_REQUIRED.get((source, kind)) if counted else None
