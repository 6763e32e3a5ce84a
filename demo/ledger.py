"""The demo's ledgers, year by year (102–106): counted revenue records that add up to the
plan's figures for the alliance-year, each judged by the rules (kpi.ledger.rules) and
written in bulk, dated inside its programme year. 106 has outcomes and activities too, and
the demo alliance's 106 ledger records that must not count.

How a year's revenue is split into records (`revenue_parts`) depends on the alliance's code
and the year only, so the past years' imported figures (demo/history.py) count the same
technology transfers, collaborations and technical-service cases as the ledger holds."""

import datetime as dt
import random

from demo.members import split_fee
from kpi.ledger import rules as kpi_rules
from kpi.ledger import services as kpi_services
from kpi.models import Activity, Outcome, RevenueEntry, RevenueKind
from members.models import MemberKind

# What each kind's records say.
LABELS = {
    RevenueKind.TECHNICAL_SERVICE: "檢測與技術服務",
    RevenueKind.OTHER_OPERATING: "講習課程收入",
    RevenueKind.TECHNOLOGY_TRANSFER: "技術移轉授權",
    RevenueKind.COLLABORATION: "產學合作計畫",
}


def thousands_split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` (a multiple of NT$1,000) in up to `parts` non-zero whole thousands."""
    parts = max(1, min(parts, total // 1000 or 1))
    return [x for x in split_fee(total, parts, rng) if x] or ([total] if total else [])


def revenue_parts(code: str, py) -> dict[str, list[int]]:
    """The amounts of an alliance-year's revenue records other than membership fees (one
    record per member's fee), by kind: the plan's totals split by an RNG seeded with the
    alliance's code and the year."""
    rng = random.Random(f"{code}/{py.roc_year}")  # noqa: S311 — demo data, deterministic
    return {
        RevenueKind.TECHNICAL_SERVICE: thousands_split(
            py.technical_service, rng.randint(1, 3), rng
        ),
        RevenueKind.OTHER_OPERATING: thousands_split(py.other_operating, 1, rng),
        RevenueKind.TECHNOLOGY_TRANSFER: thousands_split(py.tech_transfer, rng.randint(1, 3), rng),
        RevenueKind.COLLABORATION: thousands_split(py.collaboration, rng.randint(1, 3), rng),
    }


def record_counts(code: str, py) -> dict[str, int]:
    """The catalog's counts of records (R5, R6, R7) the year's ledger holds."""
    parts = revenue_parts(code, py)
    return {
        "S-SERVICE-N": len(parts[RevenueKind.TECHNICAL_SERVICE]),
        "R-TRANSFER-N": len(parts[RevenueKind.TECHNOLOGY_TRANSFER]),
        "R-COLLAB-N": len(parts[RevenueKind.COLLABORATION]),
    }


def context(ay, memberships) -> kpi_rules.YearContext:
    """The rules' facts of an alliance-year, as kpi.ledger.selectors.year_context reads
    them, from its memberships in hand (their firms saved; the demo merges no firms)."""
    year = ay.programme_year
    firms = [m for m in memberships if m.firm is not None]
    return kpi_rules.YearContext(
        roc_year=year.roc_year,
        starts_on=year.starts_on,
        ends_on=year.ends_on,
        phase=ay.phase,
        weight=ay.collaboration_weight,
        company_firm_ids=frozenset(
            m.firm.pk for m in firms if m.counted_kind == MemberKind.COMPANY
        ),
        member_firm_ids=frozenset(m.firm.pk for m in firms),
    )


class Ledger:
    """Makes alliance-years' ledgers with one seeded RNG (dates, counterparties) and
    writes them in bulk (`save`)."""

    def __init__(self, rng: random.Random, firms):
        self.rng = rng
        self.firms = firms  # demo.members.Firms, for the demo alliance's non-member
        self.entries: list[RevenueEntry] = []
        self.outcomes: list[Outcome] = []
        self.activities: list[Activity] = []
        self.attendees: dict[int, list[int]] = {}  # id() of a seminar → firms that attended

    def day(self, ay) -> dt.date:
        """A day inside the alliance-year's programme year."""
        start, end = ay.programme_year.starts_on, ay.programme_year.ends_on
        return start + dt.timedelta(days=self.rng.randint(10, (end - start).days - 10))

    def year(self, ay, code: str, py, memberships, *, outcomes: bool, extras: bool) -> None:
        """The ledger of `ay` from the plan (`py`) and its memberships (saved): the company
        members' fees and the records of `revenue_parts`, all counted; with `outcomes`, a
        few outcomes and activities; with `extras` (the demo alliance), records the rules
        leave out. Each record with its verdict; written by `save`."""
        rng = self.rng
        ctx = context(ay, memberships)
        companies = [m for m in memberships if m.counted_kind == MemberKind.COMPANY]
        entries = [
            RevenueEntry(
                alliance_year=ay,
                kind=RevenueKind.MEMBERSHIP_FEE,
                membership=m,
                firm=m.firm,
                amount=m.annual_fee,
                date=self.day(ay),
                description="年度會費",
            )
            for m in companies
            if m.annual_fee
        ]
        for kind, amounts in revenue_parts(code, py).items():
            for amount in amounts:
                entry = RevenueEntry(
                    alliance_year=ay,
                    kind=kind,
                    amount=amount,
                    date=self.day(ay),
                    description=LABELS[kind],
                )
                if kind == RevenueKind.OTHER_OPERATING:
                    entry.payer_name, entry.payer_kind = "技術講習學員", "individual"
                else:
                    entry.firm = rng.choice(companies).firm
                entries.append(entry)
        outcome_rows, activity_rows = self._outcomes(ay, companies) if outcomes else ([], [])
        if extras:
            entries += self._extras(ay, companies, outcome_rows, activity_rows)
        for record in entries:
            kpi_services.store_verdict(record, kpi_rules.revenue(record, ctx))
        for record in outcome_rows:
            kpi_services.store_verdict(record, kpi_rules.outcome(record, ctx))
        for record in activity_rows:
            firms = self.attendees.get(id(record), [])
            kpi_services.store_verdict(record, kpi_rules.activity(record, ctx, firms))
        self.entries += entries
        self.outcomes += outcome_rows
        self.activities += activity_rows

    def save(self) -> int:
        """Write the records made so far; returns how many."""
        RevenueEntry.objects.bulk_create(self.entries)
        Outcome.objects.bulk_create(self.outcomes)
        Activity.objects.bulk_create(self.activities)
        for record in self.activities:
            if self.attendees.get(id(record)):
                record.attendee_firms.set(self.attendees[id(record)])
        created = len(self.entries) + len(self.outcomes) + len(self.activities)
        self.entries, self.outcomes, self.activities, self.attendees = [], [], [], {}
        return created

    def _outcomes(self, ay, companies) -> tuple[list[Outcome], list[Activity]]:
        rng = self.rng
        outcomes = [
            Outcome(
                alliance_year=ay,
                kind=rng.choice(["new_product", "new_technology", "patent_application"]),
                title="會員新產品開發",
                firm=rng.choice(companies).firm,
                date=self.day(ay),
            )
            for _ in range(rng.randint(1, 3))
        ]
        activities = [
            Activity(alliance_year=ay, kind="promotion", title="聯盟推廣說明會", date=self.day(ay)),
            Activity(
                alliance_year=ay,
                kind="consulting",
                title="會員技術諮詢",
                firm=rng.choice(companies).firm,
                date=self.day(ay),
            ),
        ]
        return outcomes, activities

    def _extras(self, ay, companies, outcomes, activities) -> list[RevenueEntry]:
        """The demo alliance's records that must not count (R4, R6, R7, O2) and a seminar
        with a non-member among its attendees (S2)."""
        outsider = self.firms.new("非會員合作廠商股份有限公司")
        self.firms.save()
        member = companies[0].firm
        start, end = ay.programme_year.starts_on, ay.programme_year.ends_on
        outcomes.append(
            Outcome(
                alliance_year=ay,
                kind="patent_application",
                title="學校自有專利",
                firm=member,
                applicant="university",
                date=self.day(ay),
            )
        )
        seminar = Activity(
            alliance_year=ay,
            kind="seminar",
            title="精密加工技術研討會",
            date=self.day(ay),
            other_attendees=3,
        )
        self.attendees[id(seminar)] = [member.pk, outsider.pk]
        activities.append(seminar)
        return [
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
                date=self.day(ay),
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
                date=self.day(ay),
                description="與非會員之產學合作（R7）",
            ),
        ]
