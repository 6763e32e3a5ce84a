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

from django.db import transaction
from django.utils import timezone

from alliances.models import (
    Alliance,
    AllianceYear,
    Field,
    FieldTarget,
    ProgrammeYear,
    Service,
    TeamType,
)
from bench.build_data import (
    BATCH,
    COUNTRIES,
    FEE_WEIGHTS,
    FEES,
    FIELD_WEIGHTS,
    FIRST_YEAR,
    GIVEN,
    INSTITUTIONS,
    LIFE,
    PLACES,
    SUFFIXES,
    SURNAMES,
    TOPICS,
    WORDS,
    Slot,
    YearPlan,
    choice_labels,
)
from bench.build_filings import FilingRows
from kpi.ledger import rules
from kpi.ledger.services import (
    store_verdict,  # the verdict stored beside the record, as the portal does
)
from kpi.models import (
    Activity,
    ActivityKind,
    Applicant,
    Outcome,
    OutcomeKind,
    PayerKind,
    RevenueEntry,
    RevenueKind,
)
from members.models import EntityType, Firm, MemberKind, Membership
from members.rules import member_kind
from members.ubn import complete_ubn


class Builder(FilingRows):
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
            "membership": choice_labels(MemberKind),
            "revenue": choice_labels(RevenueKind),
            "outcome": choice_labels(OutcomeKind),
            "activity": choice_labels(ActivityKind),
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
