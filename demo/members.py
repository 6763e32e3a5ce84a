"""The demo's members, year by year (102–106): each planned alliance-year gets exactly the
company, individual and other members of the plan, so its member list gives back the
figures accepted for it.

Members carry over: a year keeps as many of the alliance's company members (and
individual members) of the year before as its count allows, and only the rest join. So a
year's new company members (P1: company members that were not the alliance's company
members the year before) are its growth over the year before, `new_company_count`, the
figure the past years are imported with (demo/history.py) and the one 106's accepted
filings compute from the lists. About one joining company in twelve is a firm that joined
another alliance the same year (M5); firms entered as companies that M3 counts as "other"
(foreign firms without a Taiwan registration, research-type legal persons) and other
members proper are drawn without repeats, so the counts are exact.

Firms are made in memory, with valid 統一編號 never used before, and written in bulk with
the memberships of their alliance-year.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from members.models import EntityType, Firm, MemberKind, Membership
from members.services import apply_verdict
from members.ubn import complete_ubn

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
SHARED_CHANCE = 0.08  # a joining company that joined another alliance this year too (M5)


class Names:
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


def split_fee(total: int, n: int, rng: random.Random) -> list[int]:
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


def new_company_count(year, previous) -> int:
    """P1 as the demo's lists give it: the company members of `year` (a PlannedYear) that
    the alliance's `previous` year (or None) could not carry over."""
    return year.company_members - min(
        year.company_members, previous.company_members if previous else 0
    )


class Firms:
    """The firms of the demo: new ones with a valid 統一編號 used by no other firm, and the
    known ones (research institutes, associations, foreign firms) once each by name;
    written in bulk by `save`."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ubns = set(Firm.objects.exclude(ubn="").values_list("ubn", flat=True))
        self.known: dict[tuple[str, str], Firm] = {}
        self.pending: list[Firm] = []

    def new(self, name: str, *, entity=EntityType.COMPANY, country: str = "TW") -> Firm:
        ubn = ""
        if entity != EntityType.FOREIGN_UNREGISTERED:
            while ubn == "" or ubn in self.ubns:
                ubn = complete_ubn(f"{self.rng.randint(1000000, 9999999):07d}")
            self.ubns.add(ubn)
        firm = Firm(name=name, ubn=ubn, country=country, entity_type=entity)
        self.pending.append(firm)
        return firm

    def known_firm(self, name: str, entity, country: str = "TW") -> Firm:
        key = (name, country)
        if key not in self.known:
            found = Firm.objects.filter(name=name, country=country).first()
            self.known[key] = found or self.new(name, entity=entity, country=country)
        return self.known[key]

    def save(self) -> int:
        created = len(self.pending)
        Firm.objects.bulk_create(self.pending)
        self.pending = []
        return created


@dataclass(frozen=True)
class Stayer:
    """A member who may stay on next year: the firm or the person, when they first
    joined, and their contact."""

    firm: Firm | None
    person_name: str
    joined_on: dt.date | None
    contact: dict


@dataclass
class Roll:
    """An alliance-year's members as the next year sees them."""

    companies: list[Stayer] = field(default_factory=list)
    people: list[Stayer] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)

    @property
    def company_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.counted_kind == MemberKind.COMPANY]


def _contact_of(m: Membership) -> dict:
    return {
        "contact_name": m.contact_name,
        "contact_email": m.contact_email,
        "contact_phone": m.contact_phone,
    }


def _roll_of(memberships: list[Membership]) -> Roll:
    roll = Roll(memberships=memberships)
    for m in memberships:
        stayer = Stayer(m.firm, m.person_name, m.joined_on, _contact_of(m))
        if m.counted_kind == MemberKind.COMPANY:
            roll.companies.append(stayer)
        elif m.entered_kind == MemberKind.INDIVIDUAL:
            roll.people.append(stayer)
    return roll


def roll_of(alliance_year) -> Roll:
    """The members of an alliance-year already in the database (a demo loaded in part)."""
    return _roll_of(list(alliance_year.memberships.select_related("firm")))


class Members:
    """Makes every alliance-year's members in turn, from one seeded RNG."""

    def __init__(self, rng: random.Random, names: Names):
        self.rng = rng
        self.names = names
        self.firms = Firms(rng)
        self.shared: dict[int, list[Firm]] = {}  # per year: firms later alliances may share
        self.pending: list[Membership] = []

    def save(self) -> int:
        """Write the firms and memberships made so far; returns how many rows were
        created."""
        created = self.firms.save()
        Membership.objects.bulk_create(self.pending)
        created += len(self.pending)
        self.pending = []
        return created

    def contact(self, n: int) -> dict:
        rng = self.rng
        return {
            "contact_name": self.names.person(),
            "contact_email": f"member{n}@firm.example.com.tw",
            "contact_phone": f"0{rng.randint(2, 8)}-{rng.randint(2000, 8999)}-"
            f"{rng.randint(1000, 9999)}",
        }

    def _keep(self, stayers: list[Stayer], count: int) -> list[Stayer]:
        """As many of last year's members as this year's count allows."""
        return list(stayers) if len(stayers) <= count else self.rng.sample(stayers, count)

    def year(self, ay, py, previous: Roll | None) -> Roll:
        """The members of alliance-year `ay` as planned (`py`), keeping those of `previous`
        (the alliance's year before, or None) as far as the counts allow; written by
        `save`."""
        rng = self.rng
        previous = previous or Roll()
        start = ay.programme_year.starts_on
        rows: list[Membership] = []
        here: set[int] = set()  # id() of the firms already members this year

        def add(firm=None, *, kind, joined_on, fee=0, person="", contact=None):
            if firm is not None:
                here.add(id(firm))
            rows.append(
                Membership(
                    alliance_year=ay,
                    firm=firm,
                    person_name=person,
                    entered_kind=kind,
                    joined_on=joined_on,
                    annual_fee=fee,
                    **(contact or self.contact(len(rows))),
                )
            )

        fees = iter(split_fee(py.membership_fees, py.company_members, rng))
        kept = self._keep(previous.companies, py.company_members)
        for stayer in kept:
            add(
                stayer.firm,
                kind=MemberKind.COMPANY,
                joined_on=stayer.joined_on,
                fee=next(fees),
                contact=stayer.contact,
            )
        shared = self.shared.setdefault(py.roc_year, [])
        joining: list[Firm] = []  # shared with later alliances, never with this one
        for _ in range(py.company_members - len(kept)):
            firm = None
            if shared and rng.random() < SHARED_CHANCE:
                firm = shared.pop(rng.randrange(len(shared)))
                firm = None if id(firm) in here else firm
            if firm is None:
                entity = rng.choices(
                    [
                        EntityType.COMPANY,
                        EntityType.NON_RESEARCH_LEGAL,
                        EntityType.FOREIGN_REGISTERED,
                    ],
                    weights=[90, 6, 4],
                )[0]
                firm = self.firms.new(self.names.firm(), entity=entity)
                if rng.random() < 0.1:
                    joining.append(firm)
            add(
                firm,
                kind=MemberKind.COMPANY,
                joined_on=start + dt.timedelta(days=rng.randint(0, 200)),
                fee=next(fees),
            )
        shared.extend(joining)

        # Firms entered as companies that M3 counts as "other", and other members proper,
        # each drawn once.
        for country, name in rng.sample(FOREIGN, min(py.m3_foreign, len(FOREIGN))):
            firm = self.firms.known_firm(name, EntityType.FOREIGN_UNREGISTERED, country)
            add(firm, kind=MemberKind.COMPANY, joined_on=start)
        for name in rng.sample(RESEARCH, min(py.m3_research, len(RESEARCH))):
            firm = self.firms.known_firm(name, EntityType.RESEARCH_LEGAL)
            add(firm, kind=MemberKind.COMPANY, joined_on=start)
        for name in rng.sample(ASSOCIATIONS, min(py.other_members, len(ASSOCIATIONS))):
            firm = self.firms.known_firm(name, EntityType.NON_RESEARCH_LEGAL)
            add(firm, kind=MemberKind.OTHER, joined_on=start)

        # Individual members: last year's stay as far as the count allows; a person joins an
        # alliance once a year.
        people = self._keep(previous.people, py.individual_members)
        for stayer in people:
            add(
                kind=MemberKind.INDIVIDUAL,
                person=stayer.person_name,
                joined_on=stayer.joined_on,
                contact=stayer.contact,
            )
        names_here = {stayer.person_name for stayer in people}
        for _ in range(py.individual_members - len(people)):
            person = self.names.person()
            while person in names_here:
                person = self.names.person()
            names_here.add(person)
            add(kind=MemberKind.INDIVIDUAL, person=person, joined_on=start)

        for membership in rows:
            apply_verdict(membership)  # M1–M4, from the firm's facts: no query
        self.pending += rows
        return _roll_of(rows)
