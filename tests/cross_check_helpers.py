"""Alliances, members and records for the checks across alliances (assurance/checks)."""

import datetime as dt

from alliances.models import Alliance, AllianceYear, Field, ProgrammeYear
from kpi.ledger import rules as kpi_rules
from kpi.ledger import selectors as kpi_selectors
from kpi.ledger import services as kpi_services
from kpi.models import RevenueEntry
from members.models import Firm, MemberKind, Membership
from members.services import apply_verdict

UBNS = ["04595257", "10000078", "22099109", "12345675", "53212539", "97162640", "86517510"]


def year(roc_year=106) -> ProgrammeYear:
    return ProgrammeYear.objects.get_or_create(
        roc_year=roc_year, defaults=ProgrammeYear.calendar_defaults(roc_year)
    )[0]


def alliance_year(code, *, field="mech", roc_year=106, phase=1, phase_year=2, institution=""):
    alliance = Alliance.objects.filter(code=code).first() or Alliance.objects.create(
        code=code,
        name_zh=f"{code}聯盟",
        field=Field.objects.get(code=field),
        institution=institution or f"{code}大學",
    )
    py = year(roc_year)
    return AllianceYear.objects.get_or_create(
        alliance=alliance,
        programme_year=py,
        defaults={
            "phase": phase,
            "phase_year": phase_year,
            "subsidy": 2_000_000,
            "collaboration_weight": py.weight_for_phase(phase),
        },
    )[0]


def firm(name, ubn) -> Firm:
    return Firm.objects.filter(ubn=ubn).first() or Firm.objects.create(name=name, ubn=ubn)


def member(ay, the_firm, fee=0) -> Membership:
    m = Membership(alliance_year=ay, firm=the_firm, entered_kind=MemberKind.COMPANY, annual_fee=fee)
    apply_verdict(m)
    m.save()
    return m


def entry(ay, kind, amount, the_firm=None, day=dt.date(2017, 6, 1), **fields) -> RevenueEntry:
    """A ledger record with its verdict, written as the demo writes them."""
    record = RevenueEntry(
        alliance_year=ay, kind=kind, amount=amount, firm=the_firm, date=day, **fields
    )
    kpi_services.store_verdict(record, kpi_rules.revenue(record, kpi_selectors.year_context(ay)))
    record.save()
    return record
