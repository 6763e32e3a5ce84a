"""The demo data: programme years, the alliances of the demo data plan with their
alliance-years, the members and ledgers of every year 102–106 (so that the 106 member and
revenue tables reproduce members_106.csv and revenue_106.csv, and every year's lists and
ledgers give back the figures accepted for it), and the demo accounts with their roles.
Idempotent: a second run changes nothing.

The plan (demo/plan/) fixes the numbers; this module turns them into rows,
deterministically (its own fixed seed): demo/members.py the members — firms with valid
統一編號 that stay from one year to the next, firms shared by two alliances (M5), M3 cases
entered as companies that must not count, individual and other members, fees that add up
to the plan's membership-fee revenue —, demo/ledger.py the ledgers.
"""

import random

from django.db import transaction

from accounts.models import ProgrammeRole, User
from accounts.services import user_create
from alliances.models import (
    Alliance,
    AllianceRole,
    AllianceYear,
    Capability,
    Field,
    FieldTarget,
    ProgrammeYear,
    RoleStatus,
    Service,
    TeamRole,
)
from alliances.reference import ensure_fields
from demo import cases, events, filings, history, visits
from demo import ledger as demo_ledger
from demo import members as demo_members
from demo.plan import build_plan, read_reference
from kpi.models import RevenueEntry
from members.models import Membership

DEMO_PASSWORD = "alliance-demo"  # noqa: S105 — documented demo login, never in production
DEMO_ALLIANCE_CODE = "MECH001"
MEMBER_YEAR = 106
DEMO_YEARS = range(102, 108)

# (email, name, programme role, what the account is for)
DEMO_ACCOUNTS = [
    ("office@example.org", "計畫辦公室 王專員", ProgrammeRole.OFFICE, "programme office"),
    ("viewer@example.org", "產學司 李科長", ProgrammeRole.VIEWER, "department viewer"),
    ("reviewer@example.org", "查訪委員 陳教授", ProgrammeRole.REVIEWER, "site-visit reviewer"),
    ("reviewer2@example.org", "查訪委員 林教授", ProgrammeRole.REVIEWER, "site-visit reviewer"),
    ("reviewer3@example.org", "查訪委員 黃博士", ProgrammeRole.REVIEWER, "site-visit reviewer"),
    ("office2@example.org", "計畫辦公室 陳專員", ProgrammeRole.OFFICE, "programme office"),
    ("pi@example.org", "林主持人", ProgrammeRole.NONE, "PI of the demo alliance MECH001"),
    ("copi@example.org", "張共同主持人", ProgrammeRole.NONE, "co-PI of the demo alliance"),
    ("assistant@example.org", "黃助理", ProgrammeRole.NONE, "approved assistant"),
    ("pending@example.org", "吳助理", ProgrammeRole.NONE, "assistant awaiting approval"),
    ("outsider@example.org", "路人甲", ProgrammeRole.NONE, "no role"),
]

# Roles in the demo alliance: (email, role, status, capabilities, note)
DEMO_ROLES = [
    ("pi@example.org", TeamRole.PI, RoleStatus.ACTIVE, [], ""),
    ("copi@example.org", TeamRole.CO_PI, RoleStatus.ACTIVE, [], ""),
    (
        "assistant@example.org",
        TeamRole.ASSISTANT,
        RoleStatus.ACTIVE,
        [Capability.LEDGER, Capability.FILINGS, Capability.EVENTS],
        "負責會員資料與收入紀錄",
    ),
    ("pending@example.org", TeamRole.ASSISTANT, RoleStatus.PENDING, [], "新進助理，負責活動報名"),
]


@transaction.atomic
def load() -> int:
    """Load everything missing; returns how many records were created."""
    created = ensure_fields()
    fields = {f.code: f for f in Field.objects.all()}
    years = {}
    for roc_year in DEMO_YEARS:
        year, new = ProgrammeYear.objects.get_or_create(
            roc_year=roc_year, defaults=ProgrammeYear.calendar_defaults(roc_year)
        )
        years[roc_year] = year
        created += new
    for row in read_reference("members_106.csv"):
        field = next((f for f in fields.values() if f.name_zh == row["field_zh"]), None)
        if field is None:
            continue
        _, new = FieldTarget.objects.get_or_create(
            programme_year=years[107],
            field=field,
            defaults={"company_members": int(row["target_107"])},
        )
        created += new
    created += _load_alliances(fields, years)
    created += cases.before_filings()
    created += _continue_into(years[107])
    created += _load_accounts()
    created += filings.load()
    office = User.objects.filter(email__iexact="office@example.org").first()
    created += history.load(office)
    created += visits.load()
    created += events.load()
    created += cases.after_filings(office)
    return created


def _continue_into(year) -> int:
    """The current year (107): every alliance of 106 goes on one year further in its phase
    (phase 1 year 3 → phase 2 year 1), with the same subsidy; phase 2 year 3 was its last.
    No members or records yet: that is the alliances' work in the demo."""
    created = 0
    for ay in AllianceYear.objects.filter(programme_year__roc_year=year.roc_year - 1):
        if ay.phase == 2 and ay.phase_year == 3:
            continue
        phase, phase_year = (ay.phase, ay.phase_year + 1) if ay.phase_year < 3 else (2, 1)
        _, new = AllianceYear.objects.get_or_create(
            alliance_id=ay.alliance_id,
            programme_year=year,
            defaults={
                "phase": phase,
                "phase_year": phase_year,
                "subsidy": ay.subsidy,
                "collaboration_weight": year.weight_for_phase(phase),
            },
        )
        created += new
    return created


def _load_alliances(fields, years) -> int:
    """Every planned alliance with its years 102–106, each year's members (carried over
    from the year before, demo/members.py) and ledger (demo/ledger.py), written in bulk.
    A year that has its members or its ledger already keeps them."""
    plan = build_plan()
    rng = random.Random(2017)  # noqa: S311 — demo data: deterministic, independent of the plan
    names = demo_members.Names(rng)
    created, alliance_years = _alliance_years(plan, fields, years, names, rng)
    maker = demo_members.Members(rng, names)
    ledgers = demo_ledger.Ledger(rng, maker.firms)
    with_members = set(Membership.objects.values_list("alliance_year", flat=True).distinct())
    with_ledger = set(RevenueEntry.objects.values_list("alliance_year", flat=True).distinct())
    ledgers_to_make = []
    for planned in plan:
        roll, before = None, None  # the year before: its members, or its row to read them from
        for py in planned.years:
            ay = alliance_years[planned.code, py.roc_year]
            if ay.pk in with_members:
                roll = None
            else:
                if roll is None and before is not None:
                    roll = demo_members.roll_of(before)
                roll = maker.year(ay, py, roll)
            if ay.pk not in with_ledger:
                ledgers_to_make.append((ay, planned.code, py, roll))
            before = ay
    created += maker.save()
    for ay, code, py, members in ledgers_to_make:
        ledgers.year(
            ay,
            code,
            py,
            (members or demo_members.roll_of(ay)).memberships,
            outcomes=py.roc_year == MEMBER_YEAR,
            extras=py.roc_year == MEMBER_YEAR and code == DEMO_ALLIANCE_CODE,
        )
    return created + ledgers.save()


def _alliance_years(plan, fields, years, names, rng) -> tuple[int, dict]:
    """The plan's alliances (their profiles filled once) and alliance-years, those missing
    created; returns how many rows were created and {(code, ROC year): alliance-year}."""
    created = 0
    alliances = list(Alliance.objects.all())
    by_code = {a.code: a for a in alliances}
    by_name = {(a.institution, a.name_zh): a for a in alliances}
    existing = {
        (ay.alliance_id, ay.programme_year_id): ay
        for ay in AllianceYear.objects.select_related("programme_year")
    }
    result, missing = {}, []
    for planned in plan:
        alliance = by_code.get(planned.code) or by_name.get((planned.institution, planned.name_zh))
        if alliance is None:
            alliance = Alliance(code=planned.code)
            created += 1
        if alliance.profile_published_at is None:
            _fill_profile(alliance, planned, fields[planned.field_code], names, rng)
            alliance.save()
        for py in planned.years:
            year = years[py.roc_year]
            ay = existing.get((alliance.pk, year.pk))
            if ay is None:
                ay = AllianceYear(
                    alliance=alliance,
                    programme_year=year,
                    phase=py.phase,
                    phase_year=py.phase_year,
                    subsidy=py.subsidy,
                    collaboration_weight=year.weight_for_phase(py.phase),
                )
                missing.append(ay)
            result[planned.code, py.roc_year] = ay
    AllianceYear.objects.bulk_create(missing)
    return created + len(missing), result


def _fill_profile(
    alliance: Alliance, planned, field: Field, names: demo_members.Names, rng: random.Random
) -> None:
    from django.utils import timezone

    topic = planned.name_zh.removesuffix("產學小聯盟")
    alliance.name_zh = planned.name_zh
    alliance.name_en = planned.name_en
    alliance.field = field
    alliance.institution = planned.institution
    alliance.team_type = planned.team_type
    alliance.technical_manager = names.person()
    alliance.core_technologies = f"{topic}核心技術：製程開發、檢測驗證與系統整合。"
    alliance.keywords = f"{topic}, {field.name_zh}, 技術服務"
    alliance.services = rng.sample(Service.values, k=rng.randint(3, 5))
    alliance.contact_name = f"{planned.institution}{topic}聯盟辦公室"
    alliance.contact_email = f"{planned.code.lower()}@alliance.example.edu.tw"
    alliance.contact_phone = (
        f"0{rng.randint(2, 8)}-{rng.randint(2000, 2999)}-{rng.randint(1000, 9999)}"
    )
    alliance.website = f"https://{planned.code.lower()}.alliance.example.edu.tw/"
    alliance.description = (
        f"{planned.name_zh}由{planned.institution}執行，以{topic}為核心，"
        "提供會員廠商技術服務、技術移轉與產學合作，協助開發新產品與新技術。"
    )
    alliance.profile_published_at = timezone.now()


def _load_accounts() -> int:
    created = 0
    for email, name, role, _purpose in DEMO_ACCOUNTS:
        if User.objects.filter(email__iexact=email).exists():
            continue
        user_create(email=email, password=DEMO_PASSWORD, name=name, programme_role=role)
        created += 1
    demo_alliance = Alliance.objects.get(code=DEMO_ALLIANCE_CODE)
    for email, kind, status, capabilities, note in DEMO_ROLES:
        user = User.objects.get(email__iexact=email)
        if AllianceRole.objects.filter(alliance=demo_alliance, user=user).exists():
            continue
        AllianceRole.objects.create(
            alliance=demo_alliance,
            user=user,
            role=kind,
            status=status,
            capabilities=[str(c) for c in capabilities],
            note=note,
        )
        created += 1
    return created
