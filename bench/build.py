"""The benchmark's dataset, built in bulk one programme year at a time.

Every programme year gets the same number of alliance-years; each has its members, a full
ledger (revenue, outcomes, activities) with the rules' verdicts, and accepted expected
outcomes and second KPI filing whose snapshot holds what `kpi.filings.checks.figures` would freeze.
The second filing's newest version is what `reports.figures.official` reads.

This is a fixture, not a way into the portal: rows go in with `bulk_create`, bypassing the
services, their audit events and their emails. The verdicts still come from the portal's
own rules (`members.rules`, `kpi.ledger.rules`), and `check_snapshots` compares a sample of the
stored snapshots with what `kpi.filings.checks.figures` computes from the ledger.

Alliances live six years (phase 1 years 1-3, then phase 2 years 1-3); slots start at
staggered points of that life, so every programme year has every phase, and a slot whose
alliance has finished its phase 2 starts a new alliance. A continuing alliance keeps most
of last year's company members (so P1's "new company members" is a real difference) and
some firms are members of several alliances (M5). Everything is drawn from one seeded
random.Random, so a dataset is the same on every run.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation

from alliances.models import (
    Alliance,
    AllianceYear,
    Field,
    FieldTarget,
    ProgrammeYear,
    Service,
    TeamType,
)
from core.money import half_up_int
from kpi.filings import calendar
from kpi.ledger import catalog, rules
from kpi.ledger.services import (
    store_verdict,  # the verdict stored beside the record, as the portal does
)
from kpi.models import (
    Activity,
    ActivityKind,
    Applicant,
    Filing,
    FilingKind,
    FilingState,
    FilingTransition,
    FilingVersion,
    LedgerCoverage,
    Outcome,
    OutcomeKind,
    PayerKind,
    RevenueEntry,
    RevenueKind,
    SnapshotItem,
    SnapshotRecord,
)
from members.models import EntityType, Firm, MemberKind, Membership
from members.rules import member_kind
from members.ubn import complete_ubn

# ProgrammeYear.roc_year is validated to 100..199, so the benchmark's years start at 100.
FIRST_YEAR = 100
LIFE = 6  # years of an alliance: phase 1 years 1-3, phase 2 years 1-3
BATCH = 2000  # rows per INSERT
TAIPEI = ZoneInfo("Asia/Taipei")

# Alliances per field, roughly as the programme has them (mechatronics the largest).
FIELD_WEIGHTS = {
    "civil": 10,
    "chem": 11,
    "biomed": 14,
    "service": 6,
    "mgmt": 8,
    "ict": 12,
    "elec": 13,
    "mech": 26,
}
# A company member's agreed annual fee (NT$) and how often it occurs.
FEES = [0, 5_000, 10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 150_000]
FEE_WEIGHTS = [4, 8, 14, 18, 16, 18, 8, 10, 4]
INSTITUTIONS = [
    "國立臺灣大學",
    "國立清華大學",
    "國立陽明交通大學",
    "國立成功大學",
    "國立中興大學",
    "國立中央大學",
    "國立中山大學",
    "國立臺灣科技大學",
    "國立臺北科技大學",
    "國立雲林科技大學",
    "國立高雄科技大學",
    "逢甲大學",
    "元智大學",
    "中原大學",
    "長庚大學",
    "東海大學",
]
TOPICS = [
    "精密加工",
    "智慧製造",
    "綠色材料",
    "生醫檢測",
    "食品安全",
    "智慧農業",
    "半導體製程",
    "光電元件",
    "資訊安全",
    "物聯網",
    "電動載具",
    "水資源",
    "循環經濟",
    "醫療器材",
    "數位學習",
    "智慧物流",
]
PLACES = ["台灣", "新竹", "台中", "台南", "高雄", "桃園", "彰化", "嘉義", "宜蘭", "屏東"]
WORDS = ["精密", "材料", "電機", "生技", "光電", "智能", "環保", "機械", "化學", "資訊"]
SUFFIXES = ["科技股份有限公司", "工業股份有限公司", "實業有限公司", "國際股份有限公司"]
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周"
GIVEN = ["志明", "淑芬", "家豪", "怡君", "俊傑", "雅婷", "建宏", "佩君", "冠宇", "美玲"]
COUNTRIES = ["JP", "US", "DE", "KR", "SG", "NL", "FR", "GB"]


@dataclass
class Slot:
    """A place for one alliance in every programme year; a new alliance takes it over when
    the last one has finished its six years."""

    number: int
    field: Field
    offset: int  # how far into its life the slot's alliance is in the first year
    alliance: Alliance | None = None
    generation: int = 0
    companies: list = field(default_factory=list)  # last year's company-member firms


@dataclass
class YearPlan:
    """One alliance-year being built, with its rows."""

    slot: Slot
    ay: AllianceYear
    continuing: bool
    memberships: list = field(default_factory=list)
    revenue: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    attendees: dict = field(default_factory=dict)  # activity (by id()) → firm ids
    new_company: int = 0


def _labels(choices) -> dict:
    with translation.override("zh-hant"):
        return {value: str(label) for value, label in choices.choices}


class Builder:
    """Builds programme years one after the other (`build_year`), keeping what the next
    year continues from: the alliances, their members and the firms."""

    def __init__(self, *, alliances: int, members: int, seed: int = 2017, log=print):
        self.rng = random.Random(seed)
        self.n_alliances = alliances
        self.n_members = members
        self.log = log
        self._ubn_serial = 1_000_000
        self.fields = {f.code: f for f in Field.objects.order_by("order")}
        if len(self.fields) != len(FIELD_WEIGHTS):
            raise RuntimeError("the eight fields are missing: was the database migrated?")
        codes = list(FIELD_WEIGHTS)
        weights = list(FIELD_WEIGHTS.values())
        self.slots = [
            Slot(
                number=n + 1,
                field=self.fields[self.rng.choices(codes, weights)[0]],
                offset=self.rng.randrange(LIFE),
            )
            for n in range(alliances)
        ]
        self.shared: list[Firm] = []  # companies other alliances may also sign up (M5)
        self.labels = {
            "membership": _labels(MemberKind),
            "revenue": _labels(RevenueKind),
            "outcome": _labels(OutcomeKind),
            "activity": _labels(ActivityKind),
        }
        self._pools()

    # --- firms ---------------------------------------------------------------------------

    def _ubn(self) -> str:
        while True:
            self._ubn_serial += 1
            try:
                return complete_ubn(f"{self._ubn_serial:07d}")
            except ValueError:
                continue

    def _person(self) -> str:
        return f"{self.rng.choice(SURNAMES)}{self.rng.choice(GIVEN)}"

    def _company(self) -> Firm:
        entity = self.rng.choices(
            [EntityType.COMPANY, EntityType.NON_RESEARCH_LEGAL, EntityType.FOREIGN_REGISTERED],
            weights=[92, 5, 3],
        )[0]
        country = self.rng.choice(COUNTRIES) if entity == EntityType.FOREIGN_REGISTERED else "TW"
        name = (
            f"{self.rng.choice(PLACES)}{self.rng.choice(WORDS)}"
            f"{self.rng.choice(SUFFIXES)}{self._ubn_serial % 997}"
        )
        return Firm(name=name, ubn=self._ubn(), country=country, entity_type=entity)

    def _pools(self) -> None:
        """Firms many alliances share: research institutes and foreign firms without a
        Taiwan registration (entered as companies, counted as other members by M3), and
        associations (other members)."""
        research = [
            Firm(
                name=f"{place}{word}研究發展中心",
                ubn=self._ubn(),
                entity_type=EntityType.RESEARCH_LEGAL,
            )
            for place in PLACES
            for word in WORDS[:4]
        ]
        foreign = [
            Firm(
                name=f"{word} Overseas Co. {n}",
                country=country,
                entity_type=EntityType.FOREIGN_UNREGISTERED,
            )
            for n, word in enumerate(["Kansai", "Pacific", "Rhein", "Hanbit", "Lion"])
            for country in COUNTRIES
        ]
        associations = [
            Firm(
                name=f"{place}{word}同業公會",
                ubn=self._ubn(),
                entity_type=EntityType.NON_RESEARCH_LEGAL,
            )
            for place in PLACES
            for word in WORDS
        ]
        Firm.objects.bulk_create(research + foreign + associations, batch_size=BATCH)
        self.m3_pool = research + foreign
        self.associations = associations

    # --- one programme year ----------------------------------------------------------------

    def build_year(self, roc_year: int) -> float:
        """Build programme year `roc_year` (the next one after the last built); returns
        the seconds it took."""
        started = time.perf_counter()
        with transaction.atomic():
            year = ProgrammeYear.objects.create(
                roc_year=roc_year, **ProgrammeYear.calendar_defaults(roc_year)
            )
            plans = self._alliance_years(year)
            self._members(plans, year)
            self._ledger(plans, year)
            self._filings(plans, year)
            self._field_targets(year)
        seconds = time.perf_counter() - started
        self.log(f"  programme year {roc_year}: {len(plans)} alliance-years in {seconds:.1f} s")
        return seconds

    def _alliance_years(self, year: ProgrammeYear) -> list[YearPlan]:
        rng = self.rng
        age_base = year.roc_year - FIRST_YEAR
        new_alliances = []
        for slot in self.slots:
            age = (slot.offset + age_base) % LIFE
            if slot.alliance is None or age == 0:
                slot.generation += 1
                topic = rng.choice(TOPICS)
                code = f"{slot.field.code.upper()}{slot.number:04d}G{slot.generation}"
                slot.alliance = Alliance(
                    code=code,
                    name_zh=f"{topic}產學小聯盟{slot.number}-{slot.generation}",
                    name_en=f"Alliance {code}",
                    field=slot.field,
                    institution=rng.choice(INSTITUTIONS),
                    team_type=rng.choice(TeamType.values),
                    technical_manager=self._person(),
                    core_technologies=f"{topic}核心技術：製程開發、檢測驗證與系統整合。",
                    keywords=f"{topic}, {slot.field.name_zh}, 技術服務",
                    services=rng.sample(Service.values, k=rng.randint(3, 5)),
                    contact_email=f"{code.lower()}@alliance.example.edu.tw",
                    description=f"{topic}領域的產學小聯盟，提供會員廠商技術服務與產學合作。",
                    profile_published_at=timezone.now(),
                )
                slot.companies = []
                new_alliances.append(slot.alliance)
        Alliance.objects.bulk_create(new_alliances, batch_size=BATCH)
        fresh = {id(a) for a in new_alliances}
        plans = []
        for slot in self.slots:
            age = (slot.offset + age_base) % LIFE
            phase = 1 if age < 3 else 2
            cap = year.subsidy_cap if phase == 1 else 2_000_000
            ay = AllianceYear(
                alliance=slot.alliance,
                programme_year=year,
                phase=phase,
                phase_year=age % 3 + 1,
                subsidy=rng.randrange(800_000, cap + 1, 50_000),
                collaboration_weight=year.weight_for_phase(phase),
            )
            plans.append(YearPlan(slot, ay, continuing=id(slot.alliance) not in fresh))
        AllianceYear.objects.bulk_create([p.ay for p in plans], batch_size=BATCH)
        return plans

    def _members(self, plans: list[YearPlan], year: ProgrammeYear) -> None:
        """About 88% company members (most of them kept from last year), a few entered as
        companies that M3 counts as other members, other members and individuals."""
        rng = self.rng
        n = self.n_members
        n_individual = round(n * 0.05)
        n_other = round(n * 0.05)
        n_m3 = round(n * 0.03)
        n_company = n - n_individual - n_other - n_m3
        start = year.starts_on
        new_firms = []
        for plan in plans:
            firms: list[Firm] = []
            seen: set[int] = set()

            def take(firm, firms=firms, seen=seen) -> bool:
                if id(firm) in seen:
                    return False
                seen.add(id(firm))
                firms.append(firm)
                return True

            if plan.continuing:
                for firm in plan.slot.companies:
                    if len(firms) < n_company and rng.random() < 0.85:
                        take(firm)
            while len(firms) < n_company:
                if self.shared and rng.random() < 0.06 and take(rng.choice(self.shared)):
                    continue
                firm = self._company()
                new_firms.append(firm)
                take(firm)
                if rng.random() < 0.2:
                    self.shared.append(firm)
            rows = [(firm, MemberKind.COMPANY) for firm in firms]
            rows += [(firm, MemberKind.COMPANY) for firm in rng.sample(self.m3_pool, n_m3)]
            rows += [(firm, MemberKind.OTHER) for firm in rng.sample(self.associations, n_other)]
            rows += [(None, MemberKind.INDIVIDUAL)] * n_individual
            for i, (firm, entered) in enumerate(rows):
                if entered == MemberKind.COMPANY:
                    fee = rng.choices(FEES, FEE_WEIGHTS)[0]
                elif entered == MemberKind.OTHER:
                    fee = rng.choice([0, 10_000])
                else:
                    fee = rng.choice([0, 2_000, 5_000])
                membership = Membership(
                    alliance_year=plan.ay,
                    firm=firm,
                    person_name="" if firm else f"{self._person()}{i}",
                    entered_kind=entered,
                    joined_on=start + dt.timedelta(days=rng.randint(0, 200)),
                    annual_fee=fee,
                    contact_name=self._person(),
                    contact_email=f"member{i}@firm.example.com.tw",
                    contact_phone=f"0{rng.randint(2, 8)}-{rng.randint(2000, 8999)}-{i:04d}",
                )
                verdict = member_kind(entered_kind=entered, firm=firm)
                membership.counted_kind = verdict.counted_kind
                membership.rule = verdict.rule
                membership.rule_params = verdict.params
                plan.memberships.append(membership)
        Firm.objects.bulk_create(new_firms, batch_size=BATCH)
        Membership.objects.bulk_create(
            [m for plan in plans for m in plan.memberships], batch_size=BATCH
        )
        for plan in plans:
            now = [m.firm for m in plan.memberships if m.counted_kind == MemberKind.COMPANY]
            before = {f.pk for f in plan.slot.companies} if plan.continuing else set()
            plan.new_company = len({f.pk for f in now} - before)
            plan.slot.companies = now

    def _ledger(self, plans: list[YearPlan], year: ProgrammeYear) -> None:
        """About 60 revenue entries per alliance-year for 40 members (one fee entry per
        paying member, technical services, transfers, collaborations, the MOST subsidy),
        5-10 outcomes and 5-16 activities, with verdicts from kpi.rules; a few records do
        not count (R4, R5, R6, R7, O1, O2, S3)."""
        rng = self.rng
        start, end = year.starts_on, year.ends_on

        def day() -> dt.date:
            return start + dt.timedelta(days=rng.randint(5, 355))

        for plan in plans:
            ay = plan.ay
            companies = [m.firm for m in plan.memberships if m.counted_kind == MemberKind.COMPANY]
            member_ids = frozenset(m.firm_id for m in plan.memberships if m.firm_id)
            ctx = rules.YearContext(
                roc_year=year.roc_year,
                starts_on=start,
                ends_on=end,
                phase=ay.phase,
                weight=ay.collaboration_weight,
                company_firm_ids=frozenset(f.pk for f in companies),
                member_firm_ids=member_ids,
            )

            def outsider(member_ids=member_ids):
                for _ in range(5):
                    firm = rng.choice(self.shared)
                    if firm.pk not in member_ids:
                        return firm
                return None

            entries = []
            for m in plan.memberships:
                if m.annual_fee:
                    entries.append(
                        RevenueEntry(
                            alliance_year=ay,
                            kind=RevenueKind.MEMBERSHIP_FEE,
                            membership=m,
                            firm=m.firm,
                            payer_kind=PayerKind.FIRM if m.firm else PayerKind.INDIVIDUAL,
                            payer_name="" if m.firm else m.person_name,
                            amount=m.annual_fee,
                            date=day(),
                            description="年度會費",
                        )
                    )
            for _ in range(rng.randint(10, 14)):
                by_member = companies and rng.random() < 0.92
                entries.append(
                    RevenueEntry(
                        alliance_year=ay,
                        kind=RevenueKind.TECHNICAL_SERVICE,
                        firm=rng.choice(companies) if by_member else None,
                        payer_name="" if by_member else "某大學實驗室",
                        payer_kind=PayerKind.FIRM if by_member else PayerKind.UNIVERSITY,
                        amount=rng.randrange(20_000, 150_001, 1_000),
                        date=day(),
                        description="檢測與技術服務",
                    )
                )
            for _ in range(rng.randint(1, 3)):
                entries.append(
                    RevenueEntry(
                        alliance_year=ay,
                        kind=RevenueKind.OTHER_OPERATING,
                        payer_name="技術講習學員",
                        payer_kind=PayerKind.INDIVIDUAL,
                        amount=rng.randrange(5_000, 60_001, 1_000),
                        date=day(),
                        description="講習課程收入",
                    )
                )
            for kind, low, high, many, label in [
                (RevenueKind.TECHNOLOGY_TRANSFER, 100_000, 600_000, 4, "技術移轉授權"),
                (RevenueKind.COLLABORATION, 200_000, 1_800_000, 5, "產學合作計畫"),
            ]:
                for _ in range(rng.randint(1, many)):
                    firm = rng.choice(companies) if companies else None
                    signed = day()
                    if rng.random() < 0.08:
                        firm = outsider() or firm  # not a member: R6/R7 exclude it
                    elif rng.random() < 0.05:
                        signed = end + dt.timedelta(days=rng.randint(1, 40))  # next year
                    entries.append(
                        RevenueEntry(
                            alliance_year=ay,
                            kind=kind,
                            firm=firm,
                            amount=rng.randrange(low, high + 1, 10_000),
                            date=signed,
                            description=label,
                        )
                    )
            entries.append(
                RevenueEntry(
                    alliance_year=ay,
                    kind=RevenueKind.MOST_SUBSIDY,
                    payer_name="國科會",
                    payer_kind=PayerKind.GOVERNMENT,
                    amount=ay.subsidy,
                    date=start,
                    description="補助款（R4：不列入收入）",
                )
            )
            for entry in entries:
                store_verdict(entry, rules.revenue(entry, ctx))
            plan.revenue = entries

            outcomes = []
            for _ in range(rng.randint(5, 10)):
                kind = rng.choices(OutcomeKind.values, weights=[3, 3, 2, 1, 2, 1], k=1)[0]
                patent = kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANT)
                outcomes.append(
                    Outcome(
                        alliance_year=ay,
                        kind=kind,
                        title=f"{self.labels['outcome'][kind]}：會員合作成果",
                        firm=rng.choice(companies) if companies and rng.random() < 0.9 else None,
                        applicant=Applicant.UNIVERSITY
                        if patent and rng.random() < 0.15
                        else Applicant.FIRM,
                        quantity=rng.randint(1, 3) if kind == OutcomeKind.NEW_HIRES else 1,
                        amount=rng.randrange(100_000, 5_000_001, 1_000)
                        if kind == OutcomeKind.OUTPUT_VALUE
                        else 0,
                        date=day(),
                    )
                )
            for record in outcomes:
                store_verdict(record, rules.outcome(record, ctx))
            plan.outcomes = outcomes

            activities = []
            for kind, low, high in [
                (ActivityKind.PROMOTION, 1, 3),
                (ActivityKind.SEMINAR, 1, 3),
                (ActivityKind.CONSULTING, 2, 6),
                (ActivityKind.ONSITE, 1, 4),
            ]:
                for _ in range(rng.randint(low, high)):
                    firm = None
                    if kind in (ActivityKind.CONSULTING, ActivityKind.ONSITE) and companies:
                        firm = rng.choice(companies)
                        if rng.random() < 0.1:
                            firm = outsider() or firm  # not a member: S3 excludes it
                    record = Activity(
                        alliance_year=ay,
                        kind=kind,
                        title=f"{self.labels['activity'][kind]}",
                        firm=firm,
                        other_attendees=rng.randint(0, 20) if kind == ActivityKind.SEMINAR else 0,
                        date=day(),
                    )
                    attendees = []
                    if kind == ActivityKind.SEMINAR:
                        pool = [m.firm_id for m in plan.memberships if m.firm_id]
                        attendees = rng.sample(pool, min(len(pool), rng.randint(3, 8)))
                        plan.attendees[id(record)] = attendees
                    store_verdict(record, rules.activity(record, ctx, attendees))
                    activities.append(record)
            plan.activities = activities

        RevenueEntry.objects.bulk_create([r for p in plans for r in p.revenue], batch_size=BATCH)
        Outcome.objects.bulk_create([r for p in plans for r in p.outcomes], batch_size=BATCH)
        Activity.objects.bulk_create([r for p in plans for r in p.activities], batch_size=BATCH)
        through = Activity.attendee_firms.through
        Activity.attendee_firms.through.objects.bulk_create(
            [
                through(activity_id=record.pk, firm_id=firm_id)
                for plan in plans
                for record in plan.activities
                for firm_id in plan.attendees.get(id(record), ())
            ],
            batch_size=BATCH,
        )

    def _filings(self, plans: list[YearPlan], year: ProgrammeYear) -> None:
        """Accepted expected outcomes (targets near what the year brought) and an accepted
        second KPI filing; one in ten second filings was returned once and resubmitted, so
        "the newest version" matters. Items as kpi.filings.checks.figures computes them, records
        as kpi.filings.services takes them."""
        rng = self.rng
        roc_year = year.roc_year
        through = calendar.period_end(FilingKind.SECOND, year)
        filings, versions, items, records, transitions, coverage = [], [], [], [], [], []
        for plan in plans:
            ay = plan.ay
            counted = _values(plan, counted_only=True)
            entered = _values(plan, counted_only=False)
            wanted = {
                code: _near(counted[code] or 0, rng) for code in (i.code for i in catalog.TARGETED)
            }
            targets = catalog.derive_targets(
                wanted, weight=ay.collaboration_weight, subsidy=ay.subsidy
            )

            expected = Filing(
                alliance_year=ay,
                kind=FilingKind.EXPECTED,
                state=FilingState.ACCEPTED,
                targets=wanted,
            )
            version = FilingVersion(
                filing=expected,
                number=1,
                through=None,
                submitted_at=_at(roc_year, 4, 10),
                certified_name="計畫主持人",
                statement="本人確認所填資料正確。",
            )
            filings.append(expected)
            versions.append(version)
            items += [
                SnapshotItem(version=version, code=item.code, target=targets.get(item.code))
                for item in catalog.ITEMS
            ]
            transitions += _history(expected, [(4, 10), (4, 20), (5, 15)], roc_year, 1)

            second = Filing(alliance_year=ay, kind=FilingKind.SECOND, state=FilingState.ACCEPTED)
            filings.append(second)
            returned = rng.random() < 0.1
            numbers = [1, 2] if returned else [1]
            for number in numbers:
                final = number == numbers[-1]
                values = counted if final else _before_correction(counted, rng)
                version = FilingVersion(
                    filing=second,
                    number=number,
                    through=through,
                    submitted_at=_at(roc_year, 13 if number == 1 else 14, 20 if number == 1 else 5),
                    certified_name="計畫主持人",
                    statement="本人確認所填資料正確。",
                )
                versions.append(version)
                items += [
                    SnapshotItem(
                        version=version,
                        code=item.code,
                        entered=entered[item.code],
                        counted=values[item.code],
                        target=targets.get(item.code),
                    )
                    for item in catalog.ITEMS
                ]
                records += self._records(version, plan)
            if returned:
                second.correction_due = dt.date(roc_year + 1912, 2, 28)
                steps = [(13, 20), (13, 25), (14, 1), (14, 5), (14, 6), (14, 20)]
                states = [
                    FilingState.SUBMITTED,
                    FilingState.UNDER_REVIEW,
                    FilingState.RETURNED,
                    FilingState.RESUBMITTED,
                    FilingState.UNDER_REVIEW,
                    FilingState.ACCEPTED,
                ]
                transitions += _history(second, steps, roc_year, 2, states)
            else:
                transitions += _history(second, [(13, 20), (13, 25), (14, 20)], roc_year, 1)
            coverage.append(
                LedgerCoverage(
                    alliance_year=ay,
                    covered_through=through,
                    label=f"第二次KPI填報 v{numbers[-1]}",
                )
            )
        Filing.objects.bulk_create(filings, batch_size=BATCH)
        FilingVersion.objects.bulk_create(versions, batch_size=BATCH)
        SnapshotItem.objects.bulk_create(items, batch_size=BATCH)
        SnapshotRecord.objects.bulk_create(records, batch_size=BATCH)
        FilingTransition.objects.bulk_create(transitions, batch_size=BATCH)
        LedgerCoverage.objects.bulk_create(coverage, batch_size=BATCH)

    def _records(self, version: FilingVersion, plan: YearPlan) -> list[SnapshotRecord]:
        labels = self.labels
        rows = [
            SnapshotRecord(
                version=version,
                source=SnapshotRecord.Source.MEMBERSHIP,
                record_id=m.pk,
                kind=m.counted_kind,
                kind_label=labels["membership"][m.counted_kind],
                label=(m.firm.name if m.firm else m.person_name)[:300],
                amount=m.annual_fee,
                counted=m.counted_kind == MemberKind.COMPANY,
                counted_amount=m.annual_fee if m.counted_kind == MemberKind.COMPANY else 0,
                rule=m.rule,
                rule_params=m.rule_params,
            )
            for m in plan.memberships
        ]
        for source, key, ledger in (
            (SnapshotRecord.Source.REVENUE, "revenue", plan.revenue),
            (SnapshotRecord.Source.OUTCOME, "outcome", plan.outcomes),
            (SnapshotRecord.Source.ACTIVITY, "activity", plan.activities),
        ):
            rows += [
                SnapshotRecord(
                    version=version,
                    source=source,
                    record_id=r.pk,
                    record_version=r.version,
                    kind=r.kind,
                    kind_label=labels[key][r.kind],
                    date=r.date,
                    label=(getattr(r, "title", "") or r.description)[:300],
                    amount=r.full_amount,
                    counted=r.counted,
                    counted_amount=r.counted_amount,
                    rule=r.rule,
                    rule_params=r.rule_params,
                )
                for r in ledger
            ]
        return rows

    def _field_targets(self, year: ProgrammeYear) -> None:
        per_field: dict = {}
        for slot in self.slots:
            per_field[slot.field.pk] = per_field.get(slot.field.pk, 0) + 1
        FieldTarget.objects.bulk_create(
            FieldTarget(
                programme_year=year,
                field_id=field_id,
                company_members=round(count * self.n_members * 0.9),
            )
            for field_id, count in per_field.items()
        )


# --- values, as kpi.filings.checks.figures computes them ----------------------------------------


def _totals(plan: YearPlan, *, counted_only: bool) -> dict:
    """kpi.ledger.selectors.alliance_year_totals, computed from the rows in memory."""
    ay = plan.ay
    kind_of = "counted_kind" if counted_only else "entered_kind"
    kinds = [getattr(m, kind_of) for m in plan.memberships]
    members = {
        "company": kinds.count(MemberKind.COMPANY),
        "individual": kinds.count(MemberKind.INDIVIDUAL),
        "other": kinds.count(MemberKind.OTHER),
        "reclassified": 0 if not counted_only else sum(m.rule == "M3" for m in plan.memberships),
        "total": len(kinds),
        "new_company": plan.new_company,
    }

    def scope(rows):
        return [r for r in rows if r.counted] if counted_only else list(rows)

    by_kind: dict = {}
    for r in scope(plan.revenue):
        full, counted_amount, n = by_kind.get(r.kind, (0, 0, 0))
        by_kind[r.kind] = (full + r.full_amount, counted_amount + r.counted_amount, n + 1)

    def get(kind, index):
        return by_kind.get(kind, (0, 0, 0))[index]

    fees = get(RevenueKind.MEMBERSHIP_FEE, 0)
    service = get(RevenueKind.TECHNICAL_SERVICE, 0)
    other = get(RevenueKind.OTHER_OPERATING, 0)
    recurring = fees + service + other
    transfer = get(RevenueKind.TECHNOLOGY_TRANSFER, 0)
    collab_full = get(RevenueKind.COLLABORATION, 0)
    collab_counted = get(RevenueKind.COLLABORATION, 1 if counted_only else 0)
    revenue = {
        "membership_fees": fees,
        "technical_service": service,
        "technical_service_cases": get(RevenueKind.TECHNICAL_SERVICE, 2),
        "other_operating": other,
        "recurring": recurring,
        "transfers": get(RevenueKind.TECHNOLOGY_TRANSFER, 2),
        "transfer": transfer,
        "collaborations": get(RevenueKind.COLLABORATION, 2),
        "collaboration_full": collab_full,
        "collaboration_counted": collab_counted,
        "total_full": recurring + transfer + collab_full,
        "total_counted": recurring + transfer + collab_counted,
    }
    revenue["self_sufficiency"] = (
        half_up_int(revenue["total_counted"] * 100 / ay.subsidy)
        if ay.subsidy and counted_only
        else None
    )

    amount = "counted_amount" if counted_only else "full_amount"
    outcomes = dict.fromkeys(OutcomeKind.values, 0)
    sums = dict.fromkeys(OutcomeKind.values, 0)
    for r in scope(plan.outcomes):
        outcomes[r.kind] += 1
        sums[r.kind] += getattr(r, amount)
    outcomes["new_hires"] = sums[OutcomeKind.NEW_HIRES]
    outcomes["output_value"] = sums[OutcomeKind.OUTPUT_VALUE]

    activities = dict.fromkeys(["promotion", "seminar", "consulting", "onsite"], 0)
    activities["seminar_attendees"] = 0
    for r in scope(plan.activities):
        activities[r.kind] += 1
        if r.kind == ActivityKind.SEMINAR:
            activities["seminar_attendees"] += getattr(r, amount)
    return {"members": members, "revenue": revenue, "outcomes": outcomes, "activities": activities}


def _values(plan: YearPlan, *, counted_only: bool) -> dict:
    totals = _totals(plan, counted_only=counted_only)
    return {item.code: catalog.value(item, totals) for item in catalog.ITEMS}


def _near(value: int, rng: random.Random) -> int:
    """A target near the value the year brought (money in whole thousands)."""
    target = value * rng.uniform(0.8, 1.2)
    return int(round(target, -3)) if value >= 10_000 else int(round(target))


def _before_correction(values: dict, rng: random.Random) -> dict:
    """The figures of a version the office returned: a member and a transfer too many."""
    wrong = dict(values)
    wrong["M-COMPANY"] = (wrong["M-COMPANY"] or 0) + 1
    extra = rng.randrange(100_000, 500_001, 10_000)
    for code in ("R-TRANSFER", "R-TOTAL", "R-TOTAL-C"):
        wrong[code] = (wrong[code] or 0) + extra
    wrong["R-TRANSFER-N"] = (wrong["R-TRANSFER-N"] or 0) + 1
    return wrong


def _at(roc_year: int, month: int, day: int) -> dt.datetime:
    """10:00 in Taiwan; months 13 and 14 of year N are January and February of N+1."""
    if month > 12:
        roc_year, month = roc_year + 1, month - 12
    return dt.datetime(roc_year + 1911, month, day, 10, tzinfo=TAIPEI)


def _history(filing, dates, roc_year, versions, states=None) -> list[FilingTransition]:
    """Transitions draft → submitted → under review → accepted (or the given states)."""
    states = states or [FilingState.SUBMITTED, FilingState.UNDER_REVIEW, FilingState.ACCEPTED]
    rows, before, number = [], FilingState.DRAFT, 0
    for (month, day), state in zip(dates, states, strict=True):
        if state in (FilingState.SUBMITTED, FilingState.RESUBMITTED):
            number += 1
        rows.append(
            FilingTransition(
                filing=filing,
                from_state=before,
                to_state=state,
                version=number or None,
                at=_at(roc_year, month, day),
            )
        )
        before = state
    assert number == versions
    return rows


# --- checks ------------------------------------------------------------------------------


def check_snapshots(roc_year: int, sample: int = 5) -> list[str]:
    """Compare a sample of stored second-filing snapshots (the newest version) with what
    kpi.filings.checks.figures computes from the ledger now; returns the differences."""
    from kpi.filings import checks

    problems = []
    filings = (
        Filing.objects.filter(
            kind=FilingKind.SECOND, alliance_year__programme_year__roc_year=roc_year
        )
        .select_related("alliance_year__programme_year", "alliance_year__alliance")
        .order_by("pk")
    )
    picked = list(filings[:sample]) + list(filings.filter(versions__number=2)[:sample])
    for filing in picked:
        version = filing.versions.order_by("-number").first()
        stored = {
            code: (entered, counted, target)
            for code, entered, counted, target in version.items.values_list(
                "code", "entered", "counted", "target"
            )
        }
        result = checks.figures(filing)
        for item in catalog.ITEMS:
            want = (
                result.entered.get(item.code),
                result.values.get(item.code),
                result.targets.get(item.code),
            )
            if stored.get(item.code) != want:
                problems.append(
                    f"{filing.alliance_year.alliance.code} {roc_year} {item.code}: "
                    f"stored (entered, counted, target) {stored.get(item.code)}, "
                    f"kpi.filings.checks.figures gives {want}"
                )
    return problems
