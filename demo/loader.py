"""The demo data: programme years, the alliances of the demo data plan with their
alliance-years, the 106 members (so that the 106 member table reproduces members_106.csv),
and the demo accounts with their roles. Idempotent: a second run changes nothing.

The plan (demo/plan/) fixes the numbers; this module turns them into rows,
deterministically (its own fixed seed) — firms with valid 統一編號, firms shared by two
alliances (M5), M3 cases entered as companies that must not count, individual and other
members, fees that add up to the plan's membership-fee revenue.
"""

import datetime as dt
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
from demo import events, filings, history, visits
from demo.plan import build_plan, read_reference
from kpi.ledger import rules as kpi_rules
from kpi.ledger import selectors as kpi_selectors
from kpi.ledger import services as kpi_services
from kpi.models import Activity, Outcome, RevenueEntry, RevenueKind
from members.models import EntityType, Firm, MemberKind, Membership
from members.services import apply_verdict
from members.ubn import complete_ubn

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

FIRM_WORDS = [
    "精密",
    "材料",
    "電機",
    "生技",
    "光電",
    "智能",
    "環保",
    "機械",
    "化學",
    "資訊",
    "能源",
    "醫療",
    "食品",
    "紡織",
    "塑膠",
    "半導體",
    "通訊",
]
FIRM_PLACES = [
    "台灣",
    "新竹",
    "台中",
    "台南",
    "高雄",
    "桃園",
    "彰化",
    "嘉義",
    "宜蘭",
    "屏東",
    "中華",
    "東亞",
    "亞太",
    "全球",
    "永續",
    "大同",
    "長興",
    "富邦",
    "聯合",
    "南山",
]
FIRM_KINDS = ["科技", "工業", "實業", "國際", "興業", "精機", "企業", "開發"]
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ["志明", "淑芬", "家豪", "怡君", "俊傑", "雅婷", "建宏", "佩君", "冠宇", "美玲"]
FOREIGN = [
    ("JP", "Kansai Precision Co., Ltd."),
    ("US", "Pacific Sensors Inc."),
    ("DE", "Rhein Werkzeug GmbH"),
    ("KR", "Hanbit Materials Co."),
    ("SG", "Lion City Analytics Pte."),
    ("NL", "Delta Water Systems B.V."),
]
RESEARCH = [
    "工業技術研究院",
    "金屬工業研究發展中心",
    "紡織產業綜合研究所",
    "食品工業發展研究所",
    "資訊工業策進會",
    "船舶暨海洋產業研發中心",
    "生物技術開發中心",
    "精密機械研究發展中心",
]
ASSOCIATIONS = [
    "機械工業同業公會",
    "塑膠工業同業公會",
    "電子零組件公會",
    "中小企業協會",
    "營建材料協會",
    "醫療器材公會",
    "軟體協會",
    "農產加工協會",
]


class _Names:
    """Unique, plausible names from a seeded RNG."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def firm(self) -> str:
        while True:
            name = (
                f"{self.rng.choice(FIRM_PLACES)}{self.rng.choice(FIRM_WORDS)}"
                f"{self.rng.choice(FIRM_KINDS)}{self.rng.choice(['股份有限公司', '有限公司'])}"
            )
            if name not in self.used:
                self.used.add(name)
                return name

    def person(self) -> str:
        return f"{self.rng.choice(SURNAMES)}{self.rng.choice(GIVEN)}"


def _split_fee(total: int, n: int, rng: random.Random) -> list[int]:
    """`total` NT$ (a multiple of 1000) over n members, in whole thousands, summing exactly."""
    if n == 0:
        return []
    units = total // 1000
    weights = [rng.uniform(0.6, 1.4) for _ in range(n)]
    raw = [units * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(n), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[i] += 1
    return [p * 1000 for p in parts]


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
    created += _continue_into(years[107])
    created += _load_accounts()
    created += filings.load()
    created += history.load(User.objects.filter(email__iexact="office@example.org").first())
    created += visits.load()
    created += events.load()
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
    plan = build_plan()
    rng = random.Random(2017)  # noqa: S311 — demo data: deterministic, independent of the plan
    names = _Names(rng)
    created = 0
    shared_pool: list[Firm] = []
    for planned in plan:
        alliance = (
            Alliance.objects.filter(code=planned.code).first()
            or Alliance.objects.filter(
                institution=planned.institution, name_zh=planned.name_zh
            ).first()
        )
        if alliance is None:
            alliance = Alliance(code=planned.code)
            created += 1
        if alliance.profile_published_at is None:
            _fill_profile(alliance, planned, fields[planned.field_code], rng)
            alliance.save()
        for py in planned.years:
            ay, new = AllianceYear.objects.get_or_create(
                alliance=alliance,
                programme_year=years[py.roc_year],
                defaults={
                    "phase": py.phase,
                    "phase_year": py.phase_year,
                    "subsidy": py.subsidy,
                    "collaboration_weight": years[py.roc_year].weight_for_phase(py.phase),
                },
            )
            created += new
            if py.roc_year == MEMBER_YEAR and not ay.memberships.exists():
                created += _load_members(ay, py, names, rng, shared_pool)
            if (
                py.roc_year == MEMBER_YEAR
                and not RevenueEntry.objects.filter(alliance_year=ay).exists()
            ):
                created += _load_ledger(ay, py, rng, extras=planned.code == DEMO_ALLIANCE_CODE)
    return created


def _fill_profile(alliance: Alliance, planned, field: Field, rng: random.Random) -> None:
    from django.utils import timezone

    topic = planned.name_zh.removesuffix("產學小聯盟")
    alliance.name_zh = planned.name_zh
    alliance.name_en = planned.name_en
    alliance.field = field
    alliance.institution = planned.institution
    alliance.team_type = planned.team_type
    alliance.technical_manager = _Names(rng).person()
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


def _contact(names: _Names, rng: random.Random, n: int) -> dict:
    return {
        "contact_name": names.person(),
        "contact_email": f"member{n}@firm.example.com.tw",
        "contact_phone": f"0{rng.randint(2, 8)}-{rng.randint(2000, 8999)}-"
        f"{rng.randint(1000, 9999)}",
    }


def _new_firm(name, *, entity=EntityType.COMPANY, country="TW", rng) -> Firm:
    ubn = ""
    if entity != EntityType.FOREIGN_UNREGISTERED:
        while True:
            ubn = complete_ubn(f"{rng.randint(1000000, 9999999):07d}")
            if not Firm.objects.filter(ubn=ubn).exists():
                break
    return Firm.objects.create(name=name, ubn=ubn, country=country, entity_type=entity)


def _load_members(ay: AllianceYear, py, names: _Names, rng: random.Random, shared_pool) -> int:
    joined = dt.date(2017, 2, 1)
    rows: list[Membership] = []
    fees = _split_fee(py.membership_fees, py.company_members, rng)
    joining_pool: list[Firm] = []  # shared with later alliances, never with this one
    for i in range(py.company_members):
        # About one company in twelve is also a member of another alliance (M5).
        if shared_pool and rng.random() < 0.08:
            firm = shared_pool.pop(rng.randrange(len(shared_pool)))
        else:
            entity = rng.choices(
                [EntityType.COMPANY, EntityType.NON_RESEARCH_LEGAL, EntityType.FOREIGN_REGISTERED],
                weights=[90, 6, 4],
            )[0]
            firm = _new_firm(names.firm(), entity=entity, rng=rng)
            if rng.random() < 0.1:
                joining_pool.append(firm)
        rows.append(
            Membership(
                alliance_year=ay,
                firm=firm,
                entered_kind=MemberKind.COMPANY,
                joined_on=joined + dt.timedelta(days=rng.randint(0, 200)),
                annual_fee=fees[i],
                **_contact(names, rng, len(rows)),
            )
        )

    def known_firm(name, entity, country="TW"):
        found = Firm.objects.filter(name=name, country=country).first()
        return found or _new_firm(name, entity=entity, country=country, rng=rng)

    def foreign():
        country, name = rng.choice(FOREIGN)
        return known_firm(name, EntityType.FOREIGN_UNREGISTERED, country)

    # Firms entered as companies that M3 counts as "other", and other members proper; a
    # firm drawn twice for one alliance is skipped (a firm joins once a year, M5).
    for count, pick, entered in [
        (py.m3_foreign, foreign, MemberKind.COMPANY),
        (
            py.m3_research,
            lambda: known_firm(rng.choice(RESEARCH), EntityType.RESEARCH_LEGAL),
            MemberKind.COMPANY,
        ),
        (
            py.other_members,
            lambda: known_firm(rng.choice(ASSOCIATIONS), EntityType.NON_RESEARCH_LEGAL),
            MemberKind.OTHER,
        ),
    ]:
        for _ in range(count):
            firm = pick()
            if any(m.firm_id == firm.pk for m in rows):
                continue
            rows.append(
                Membership(
                    alliance_year=ay,
                    firm=firm,
                    entered_kind=entered,
                    joined_on=joined,
                    **_contact(names, rng, len(rows)),
                )
            )
    people_here: set[str] = set()
    for _ in range(py.individual_members):
        person = names.person()
        while person in people_here:  # a person joins an alliance once a year
            person = names.person()
        people_here.add(person)
        rows.append(
            Membership(
                alliance_year=ay,
                person_name=person,
                entered_kind=MemberKind.INDIVIDUAL,
                joined_on=joined,
                **_contact(names, rng, len(rows)),
            )
        )
    shared_pool.extend(joining_pool)
    for membership in rows:
        apply_verdict(membership)
    Membership.objects.bulk_create(rows)
    return len(rows)


def _thousands_split(total: int, parts: int, rng: random.Random) -> list[int]:
    parts = max(1, min(parts, total // 1000 or 1))
    return [x for x in _split_fee(total, parts, rng) if x] or ([total] if total else [])


def _load_ledger(ay: AllianceYear, py, rng: random.Random, *, extras: bool) -> int:
    """The 106 ledger: counted records that add up to the plan's revenue (so the year's
    live totals reproduce revenue_106.csv), and, in the demo alliance, records that must
    not count."""
    ctx = kpi_selectors.year_context(ay)
    start = ay.programme_year.starts_on
    companies = list(ay.memberships.filter(counted_kind=MemberKind.COMPANY).select_related("firm"))

    def day() -> dt.date:
        return start + dt.timedelta(days=rng.randint(10, 350))

    entries = [
        RevenueEntry(
            alliance_year=ay,
            kind=RevenueKind.MEMBERSHIP_FEE,
            membership=m,
            firm=m.firm,
            amount=m.annual_fee,
            date=day(),
            description="年度會費",
        )
        for m in companies
        if m.annual_fee
    ]
    for amount in _thousands_split(py.technical_service, rng.randint(1, 3), rng):
        entries.append(
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.TECHNICAL_SERVICE,
                firm=rng.choice(companies).firm,
                amount=amount,
                date=day(),
                description="檢測與技術服務",
            )
        )
    for amount in _thousands_split(py.other_operating, 1, rng):
        entries.append(
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.OTHER_OPERATING,
                payer_name="技術講習學員",
                payer_kind="individual",
                amount=amount,
                date=day(),
                description="講習課程收入",
            )
        )
    for kind, total, label in [
        (RevenueKind.TECHNOLOGY_TRANSFER, py.tech_transfer, "技術移轉授權"),
        (RevenueKind.COLLABORATION, py.collaboration, "產學合作計畫"),
    ]:
        for amount in _thousands_split(total, rng.randint(1, 3), rng):
            entries.append(
                RevenueEntry(
                    alliance_year=ay,
                    kind=kind,
                    firm=rng.choice(companies).firm,
                    amount=amount,
                    date=day(),
                    description=label,
                )
            )
    outcomes = [
        Outcome(
            alliance_year=ay,
            kind=rng.choice(["new_product", "new_technology", "patent_application"]),
            title="會員新產品開發",
            firm=rng.choice(companies).firm,
            date=day(),
        )
        for _ in range(rng.randint(1, 3))
    ]
    activities = [
        Activity(alliance_year=ay, kind="promotion", title="聯盟推廣說明會", date=day()),
        Activity(
            alliance_year=ay,
            kind="consulting",
            title="會員技術諮詢",
            firm=rng.choice(companies).firm,
            date=day(),
        ),
    ]
    if extras:
        outsider = _new_firm("非會員合作廠商股份有限公司", rng=rng)
        member = companies[0].firm
        end = ay.programme_year.ends_on
        entries += [
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.MOST_SUBSIDY,
                amount=ay.subsidy,
                date=start,
                payer_name="科技部",
                payer_kind="government",
                description="科技部補助款（R4：不列入收入）",
            ),
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.DONATED_EQUIPMENT,
                amount=850_000,
                firm=member,
                date=day(),
                description="廠商捐贈檢測設備（R4）",
            ),
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.TECHNOLOGY_TRANSFER,
                amount=600_000,
                firm=member,
                date=end + dt.timedelta(days=1),
                description="次年度簽約之技術移轉（R6）",
            ),
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.COLLABORATION,
                amount=1_200_000,
                firm=outsider,
                date=day(),
                description="與非會員之產學合作（R7）",
            ),
        ]
        outcomes.append(
            Outcome(
                alliance_year=ay,
                kind="patent_application",
                title="學校自有專利",
                firm=member,
                applicant="university",
                date=day(),
            )
        )
        activities.append(
            Activity(
                alliance_year=ay,
                kind="seminar",
                title="精密加工技術研討會",
                date=day(),
                other_attendees=3,
            )
        )
    for record in entries:
        verdict = kpi_rules.revenue(record, ctx)
        kpi_services.store_verdict(record, verdict)
    for record in outcomes:
        kpi_services.store_verdict(record, kpi_rules.outcome(record, ctx))
    for record in activities:
        attendees = [companies[0].firm_id, outsider.pk] if record.kind == "seminar" else []
        kpi_services.store_verdict(record, kpi_rules.activity(record, ctx, attendees))
    RevenueEntry.objects.bulk_create(entries)
    Outcome.objects.bulk_create(outcomes)
    Activity.objects.bulk_create(activities)
    for record in activities:
        if record.kind == "seminar":
            record.attendee_firms.set([companies[0].firm_id, outsider.pk])
    return len(entries) + len(outcomes) + len(activities)


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
