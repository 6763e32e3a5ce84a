"""The demo data plan: alliances and alliance-years that reproduce the published tables.

The programme published three tables (``reference_tables/``):

* ``members_106.csv`` — alliances and company members per field in ROC year 106;
* ``revenue_106.csv`` — recurring operating revenue, technology transfer and derived
  collaboration per field in 106, in 仟元 (NT$ thousands);
* ``fee_bands_102_106.csv`` — how many alliance-years of 102–106 charged an average
  membership fee per company member in each band (仟元, rounded half up).

:func:`build_plan` builds, from a seed and nothing else, a list of :class:`PlannedAlliance`
whose numbers give those tables back cell for cell. It is pure Python (no models), meant to
be turned into database rows by the demo loader. :func:`members_table`, :func:`revenue_table`
and :func:`fee_bands` compute the tables from a plan the way the office reports do (sums
first, then half-up rounding — never adding rounded cells); the tests compare them with the
CSVs.

How the plan is built, field by field (fields.csv order, one ``random.Random(seed)``):

1. *Alliance-years.* A field's 106 alliances are ``alliances_derived``; its alliance-years
   before 106 are the fee-band total minus those. They are spread over 102..105 as evenly as
   possible (the odd ones going to the later years). Some 106 alliances continue from
   earlier years: their count per year never grows going back in time, and at least one runs
   back to 103 (so is in phase 2 in 106) whenever the field has earlier years at all. The
   remaining alliance-years belong to historic alliances — runs of 1–4 consecutive years
   inside 102..105, usually three (one phase).
2. *Company members in 106.* Each 106 alliance gets at least 5; the rest of the field's
   ``company_members`` is shared out by random weights (largest remainder, so the sum is
   exact). Earlier years get plausible counts (at least 3).
3. *Membership fees.* The field's fee-band counts are expanded into a list of band labels
   and shuffled; the first labels go to the 106 alliances, the rest to the earlier
   alliance-years. Each alliance-year draws a whole number ``v`` of 仟元 inside its band and
   gets ``membership_fees = company_members * v * 1000``, so its average is exactly ``v``.
   If the 106 fees would exceed the field's recurring revenue, the labels are shuffled again
   (same RNG, so still deterministic).
4. *106 revenue.* What is left of the recurring revenue after fees is split into technical
   service and other operating income; technology transfer and collaboration totals are
   split over a random subset of the field's 106 alliances. Every amount is a multiple of
   NT$1,000, so the 仟元 sums are exact.
5. *Names.* Chinese and English names come from per-field topics and a few modifiers; the
   first 機電材料 alliance of 106 is the demo alliance 智慧精密加工產學小聯盟 (MECH001).
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from core.money import fee_band as money_fee_band
from core.money import half_up_int

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_tables"

FIRST_YEAR = 102
LAST_YEAR = 106
EARLIER_YEARS = tuple(range(FIRST_YEAR, LAST_YEAR))  # 102..105
TOTAL_ROW = "總計"
SHARE_ROW = "share_pct"

# Fee bands in 仟元 per company member: (label, lowest, highest) — the average is rounded
# half up to a whole number first, so the bands cover every whole number without gaps.
FEE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-5", 0, 5),
    ("6-10", 6, 10),
    ("11-15", 11, 15),
    ("16-20", 16, 20),
    ("21-25", 21, 25),
    ("26-30", 26, 30),
    ("31-35", 31, 35),
    ("36-40", 36, 40),
    ("41-45", 41, 45),
    ("46-50", 46, 50),
    ("51-60", 51, 60),
    ("61+", 61, 100),  # the plan draws 61..100; any higher average still counts here
)
BAND_LABELS = tuple(label for label, _, _ in FEE_BANDS)

TEAM_TYPES = ("cross_school", "regional_centre", "same_school", "single_lab")

Row = dict[str, str | int]


@dataclass(frozen=True)
class PlannedYear:
    """One alliance-year: what the alliance reported for one ROC year."""

    roc_year: int
    phase: int  # 1 or 2
    phase_year: int  # 1..3
    subsidy: int  # NT$, multiple of 10_000, between 1_000_000 and 3_000_000
    company_members: int  # members counted as company (M2/M4)
    individual_members: int
    other_members: int  # entered as "other" (not companies)
    # Entered as company but counted as other (M3); in neither company_members nor
    # other_members: a foreign firm without Taiwan registration, a research-type legal person.
    m3_foreign: int
    m3_research: int
    membership_fees: int  # NT$, all membership fees received that year (R2 會員費收入)
    technical_service: int  # NT$
    other_operating: int  # NT$
    tech_transfer: int  # NT$
    collaboration: int  # NT$, full amount

    @property
    def recurring_operating(self) -> int:
        """Recurring operating revenue: membership fees + technical service + other."""
        return self.membership_fees + self.technical_service + self.other_operating


@dataclass(frozen=True)
class PlannedAlliance:
    """An alliance with its alliance-years (consecutive ROC years, ascending)."""

    code: str  # field code upper + 3-digit index within the field, e.g. "MECH001"
    field_code: str
    name_zh: str
    name_en: str
    institution: str
    team_type: str
    years: tuple[PlannedYear, ...]

    def year(self, roc_year: int) -> PlannedYear | None:
        """The alliance-year of ``roc_year``, or None."""
        return next((y for y in self.years if y.roc_year == roc_year), None)


@dataclass(frozen=True)
class FieldInfo:
    """A row of fields.csv."""

    order: int
    code: str
    name_zh: str
    name_en: str


# --------------------------------------------------------------------------- reference CSVs


def read_reference(name: str) -> list[dict[str, str]]:
    """The rows of ``reference_tables/<name>`` as dicts of strings."""
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_fields() -> list[FieldInfo]:
    """fields.csv, in its ``order``."""
    rows = [
        FieldInfo(int(row["order"]), row["code"], row["name_zh"], row["name_en"])
        for row in read_reference("fields.csv")
    ]
    return sorted(rows, key=lambda f: f.order)


def _by_field_zh(name: str) -> dict[str, dict[str, str]]:
    return {row["field_zh"]: row for row in read_reference(name)}


# --------------------------------------------------------------------------- tables


def _half_up_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (0 for an empty denominator)."""
    if not denominator:
        return 0
    return half_up_int(Decimal(numerator) / Decimal(denominator))


fee_band = money_fee_band  # one definition of the bands: core.money


def members_table(plan: Sequence[PlannedAlliance], roc_year: int = LAST_YEAR) -> list[Row]:
    """Alliances and company members per field in ``roc_year`` (members_106.csv)."""
    fields = load_fields()
    counts = {f.code: [0, 0] for f in fields}
    for alliance in plan:
        year = alliance.year(roc_year)
        if year is not None:
            counts[alliance.field_code][0] += 1
            counts[alliance.field_code][1] += year.company_members
    total_alliances = sum(n for n, _ in counts.values())
    total_members = sum(m for _, m in counts.values())
    rows: list[Row] = []
    for f in fields:
        alliances, members = counts[f.code]
        rows.append(
            {
                "field_zh": f.name_zh,
                "alliances": alliances,
                "company_members": members,
                "avg_members_per_alliance": _half_up_ratio(members, alliances),
                "share_pct": _half_up_ratio(100 * members, total_members),
            }
        )
    rows.append(
        {
            "field_zh": TOTAL_ROW,
            "alliances": total_alliances,
            "company_members": total_members,
            "avg_members_per_alliance": _half_up_ratio(total_members, total_alliances),
            "share_pct": 100,
        }
    )
    return rows


def revenue_table(plan: Sequence[PlannedAlliance], roc_year: int = LAST_YEAR) -> list[Row]:
    """Revenue per field in ``roc_year`` in 仟元 (revenue_106.csv), rounded from the sums."""
    fields = load_fields()
    keys = ("recurring_operating", "tech_transfer", "derived_collaboration")
    sums = {f.code: dict.fromkeys((*keys, "alliances"), 0) for f in fields}
    for alliance in plan:
        year = alliance.year(roc_year)
        if year is None:
            continue
        bucket = sums[alliance.field_code]
        bucket["alliances"] += 1
        bucket["recurring_operating"] += year.recurring_operating
        bucket["tech_transfer"] += year.tech_transfer
        bucket["derived_collaboration"] += year.collaboration
    grand = {key: sum(s[key] for s in sums.values()) for key in (*keys, "alliances")}

    def row(name: str, bucket: dict[str, int]) -> Row:
        total = sum(bucket[key] for key in keys)
        cells: Row = {"field_zh": name}
        cells.update({key: _half_up_ratio(bucket[key], 1000) for key in keys})
        cells["total"] = _half_up_ratio(total, 1000)
        cells["avg_per_alliance"] = _half_up_ratio(total, 1000 * bucket["alliances"])
        return cells

    return [row(f.name_zh, sums[f.code]) for f in fields] + [row(TOTAL_ROW, grand)]


def fee_bands(
    plan: Sequence[PlannedAlliance], years: Iterable[int] = range(FIRST_YEAR, LAST_YEAR + 1)
) -> list[Row]:
    """Alliance-years per field and fee band (fee_bands_102_106.csv), a total and a share row.

    An alliance-year's average is its membership fees per company member in 仟元, rounded
    half up to a whole number; alliance-years without company members are left out."""
    fields = load_fields()
    wanted = set(years)
    counts = {f.code: Counter[str]() for f in fields}
    for alliance in plan:
        for year in alliance.years:
            if year.roc_year in wanted and year.company_members > 0:
                average = _half_up_ratio(year.membership_fees, year.company_members * 1000)
                counts[alliance.field_code][fee_band(average)] += 1
    grand: Counter[str] = Counter()
    for counter in counts.values():
        grand.update(counter)
    grand_total = sum(grand.values())

    def row(name: str, counter: Counter[str]) -> Row:
        cells: Row = {"field_zh": name}
        cells.update({label: counter[label] for label in BAND_LABELS})
        cells["total"] = sum(counter.values())
        return cells

    rows = [row(f.name_zh, counts[f.code]) for f in fields] + [row(TOTAL_ROW, grand)]
    share: Row = {"field_zh": SHARE_ROW}
    share.update({label: _half_up_ratio(100 * grand[label], grand_total) for label in BAND_LABELS})
    share["total"] = 100
    rows.append(share)
    return rows


# --------------------------------------------------------------------------- names

# (Chinese, English) modifiers; "" gives the bare topic.
_MODIFIERS: tuple[tuple[str, str], ...] = (
    ("智慧", "Smart"),
    ("綠色", "Green"),
    ("先進", "Advanced"),
    ("創新", "Innovative"),
    ("永續", "Sustainable"),
    ("高值化", "High-Value"),
    ("新世代", "Next-Generation"),
    ("整合", "Integrated"),
    ("", ""),
)

_TOPICS: dict[str, tuple[tuple[str, str], ...]] = {
    "civil": (
        ("綠建築節能", "Green Building Energy Efficiency"),
        ("橋梁健康監測", "Bridge Health Monitoring"),
        ("太陽光電系統", "Solar Photovoltaic Systems"),
        ("離岸風電結構", "Offshore Wind Structures"),
        ("水資源回收", "Water Reclamation"),
        ("土壤及地下水整治", "Soil and Groundwater Remediation"),
        ("空氣污染防制", "Air Pollution Control"),
        ("營建廢棄物再利用", "Construction Waste Recycling"),
        ("防災預警", "Disaster Early Warning"),
        ("儲能系統", "Energy Storage Systems"),
        ("再生混凝土", "Recycled Concrete"),
        ("氫能與燃料電池", "Hydrogen and Fuel Cell"),
        ("廢水處理", "Wastewater Treatment"),
        ("生質能源", "Bioenergy"),
    ),
    "chem": (
        ("機能性紡織品", "Functional Textiles"),
        ("食品加工", "Food Processing"),
        ("保健食品", "Health Food"),
        ("化妝品原料", "Cosmetic Ingredients"),
        ("高分子材料", "Polymer Materials"),
        ("生物可分解塑膠", "Biodegradable Plastics"),
        ("塗料與黏著劑", "Coatings and Adhesives"),
        ("特用化學品", "Specialty Chemicals"),
        ("觸媒技術", "Catalysis Technology"),
        ("農產品加值", "Agricultural Product Value-Adding"),
        ("茶葉加工", "Tea Processing"),
        ("水產養殖", "Aquaculture"),
        ("複合材料", "Composite Materials"),
        ("橡膠製品", "Rubber Products"),
        ("發酵技術", "Fermentation Technology"),
    ),
    "biomed": (
        ("醫療器材", "Medical Devices"),
        ("精準醫療", "Precision Medicine"),
        ("中草藥開發", "Herbal Medicine Development"),
        ("生物檢測", "Bioassay"),
        ("再生醫學", "Regenerative Medicine"),
        ("牙科材料", "Dental Materials"),
        ("醫學影像", "Medical Imaging"),
        ("復健輔具", "Rehabilitation Assistive Devices"),
        ("動物疫苗", "Animal Vaccines"),
        ("細胞培養", "Cell Culture"),
        ("藥物傳輸", "Drug Delivery"),
        ("長期照護", "Long-Term Care"),
        ("生醫感測", "Biomedical Sensing"),
        ("骨科植入物", "Orthopaedic Implants"),
        ("高齡健康", "Healthy Ageing"),
    ),
    "service": (
        ("文創設計", "Cultural and Creative Design"),
        ("數位學習", "Digital Learning"),
        ("觀光休閒", "Tourism and Leisure"),
        ("餐旅服務", "Hospitality Services"),
        ("運動科學", "Sports Science"),
        ("設計思考", "Design Thinking"),
        ("數位內容", "Digital Content"),
        ("品牌行銷", "Brand Marketing"),
        ("職能培訓", "Vocational Training"),
        ("展演科技", "Performance Technology"),
        ("社會企業", "Social Enterprise"),
        ("服務體驗", "Service Experience"),
        ("遊戲化教育", "Gamified Education"),
        ("地方創生", "Local Revitalisation"),
    ),
    "mgmt": (
        ("供應鏈管理", "Supply Chain Management"),
        ("物流管理", "Logistics Management"),
        ("電子商務", "E-Commerce"),
        ("商業分析", "Business Analytics"),
        ("金融科技", "Financial Technology"),
        ("企業資源規劃", "Enterprise Resource Planning"),
        ("品質管理", "Quality Management"),
        ("零售服務", "Retail Services"),
        ("顧客關係管理", "Customer Relationship Management"),
        ("中小企業經營", "SME Management"),
        ("專案管理", "Project Management"),
        ("大數據決策", "Big Data Decision Making"),
        ("會計資訊", "Accounting Information"),
        ("人力資源管理", "Human Resource Management"),
    ),
    "ict": (
        ("物聯網", "Internet of Things"),
        ("雲端運算", "Cloud Computing"),
        ("資訊安全", "Information Security"),
        ("行動應用", "Mobile Applications"),
        ("影像辨識", "Image Recognition"),
        ("無線通訊", "Wireless Communication"),
        ("機器學習", "Machine Learning"),
        ("嵌入式軟體", "Embedded Software"),
        ("語音處理", "Speech Processing"),
        ("擴增實境", "Augmented Reality"),
        ("車聯網", "Connected Vehicles"),
        ("軟體測試", "Software Testing"),
        ("網路通訊", "Network Communication"),
        ("地理資訊", "Geographic Information"),
    ),
    "elec": (
        ("功率半導體", "Power Semiconductors"),
        ("LED照明", "LED Lighting"),
        ("光電元件", "Optoelectronic Devices"),
        ("積體電路設計", "IC Design"),
        ("感測元件", "Sensor Devices"),
        ("電源管理", "Power Management"),
        ("顯示技術", "Display Technology"),
        ("印刷電路板", "Printed Circuit Boards"),
        ("電磁相容", "Electromagnetic Compatibility"),
        ("微機電系統", "MEMS"),
        ("半導體製程", "Semiconductor Processing"),
        ("射頻元件", "RF Components"),
        ("電池管理", "Battery Management"),
        ("雷射應用", "Laser Applications"),
    ),
    "mech": (
        ("精密加工", "Precision Machining"),
        ("工具機", "Machine Tools"),
        ("自動化設備", "Automation Equipment"),
        ("機器人", "Robotics"),
        ("模具開發", "Mould Development"),
        ("金屬材料", "Metallic Materials"),
        ("扣件", "Fasteners"),
        ("航太零組件", "Aerospace Components"),
        ("電動車輛", "Electric Vehicles"),
        ("齒輪傳動", "Gear Transmission"),
        ("表面處理", "Surface Treatment"),
        ("積層製造", "Additive Manufacturing"),
        ("馬達驅動", "Motor Drives"),
        ("陶瓷材料", "Ceramic Materials"),
        ("流體機械", "Fluid Machinery"),
    ),
}

# Names as they were in ROC 106 (before the 107 university mergers).
INSTITUTIONS: tuple[str, ...] = (
    "國立臺灣大學",
    "國立成功大學",
    "國立清華大學",
    "國立交通大學",
    "國立中央大學",
    "國立中興大學",
    "國立中山大學",
    "國立中正大學",
    "國立臺灣科技大學",
    "國立臺北科技大學",
    "國立雲林科技大學",
    "國立屏東科技大學",
    "國立虎尾科技大學",
    "國立勤益科技大學",
    "國立高雄應用科技大學",
    "國立高雄第一科技大學",
    "國立彰化師範大學",
    "國立宜蘭大學",
    "國立東華大學",
    "逢甲大學",
    "東海大學",
    "中原大學",
    "元智大學",
    "大同大學",
    "長庚大學",
    "義守大學",
    "南臺科技大學",
    "明志科技大學",
    "朝陽科技大學",
    "崑山科技大學",
    "龍華科技大學",
    "淡江大學",
)
# Medical universities run biomedical alliances only.
MEDICAL_INSTITUTIONS: tuple[str, ...] = (
    "國立陽明大學",
    "中國醫藥大學",
    "高雄醫學大學",
    "臺北醫學大學",
)

_TEAM_TYPE_WEIGHTS = (3, 1, 3, 2)

# The demo alliance: the first 機電材料 alliance of 106, which the demo accounts belong to.
DEMO_FIELD = "mech"
DEMO_MODIFIER = ("智慧", "Smart")
DEMO_TOPIC = ("精密加工", "Precision Machining")
DEMO_INSTITUTION = "國立成功大學"
DEMO_TEAM_TYPE = "same_school"


def _names(field_code: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` unique (name_zh, name_en) for a field; the demo name first for mech."""
    topics = list(_TOPICS[field_code])
    rng.shuffle(topics)
    used: set[tuple[str, str]] = set()
    chosen: list[tuple[str, str]] = []
    if field_code == DEMO_FIELD:
        used.add((DEMO_MODIFIER[0], DEMO_TOPIC[0]))
        chosen.append((DEMO_MODIFIER, DEMO_TOPIC))
    index = 0
    while len(chosen) < count:
        topic = topics[index % len(topics)]
        index += 1
        free = [m for m in _MODIFIERS if (m[0], topic[0]) not in used]
        if not free:
            if index > len(topics) * len(_MODIFIERS):
                raise ValueError(f"not enough distinct names for field {field_code!r}")
            continue
        modifier = rng.choice(free)
        used.add((modifier[0], topic[0]))
        chosen.append((modifier, topic))
    return [
        (f"{m_zh}{t_zh}產學小聯盟", " ".join(p for p in (m_en, t_en) if p) + " Alliance")
        for (m_zh, m_en), (t_zh, t_en) in chosen
    ]


# --------------------------------------------------------------------------- building


@dataclass
class _Draft:
    """A mutable alliance while the plan is being built."""

    field_code: str
    first_year: int
    last_year: int
    members: dict[int, int] = field(default_factory=dict)  # company members per ROC year
    fees: dict[int, int] = field(default_factory=dict)  # membership fees per ROC year
    extras: dict[int, dict[str, int]] = field(default_factory=dict)  # the other year fields

    @property
    def roc_years(self) -> range:
        return range(self.first_year, self.last_year + 1)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """Split a non-negative integer in proportion to ``weights`` (largest remainder)."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _spread(total: int, years: Sequence[int]) -> dict[int, int]:
    """``total`` over ``years`` as evenly as possible; the odd ones go to the later years."""
    base, extra = divmod(total, len(years))
    return {year: base + (i >= len(years) - extra) for i, year in enumerate(years)}


def _continuing_counts(per_year: dict[int, int], n106: int, rng: random.Random) -> dict[int, int]:
    """How many 106 alliances were already present in each earlier year.

    Never growing going back in time; at least one back to 103 when there are earlier years."""
    fractions = {105: (0.55, 0.75), 104: (0.35, 0.5), 103: (0.2, 0.35), 102: (0.05, 0.2)}
    counts: dict[int, int] = {}
    ceiling = n106
    for year in sorted(EARLIER_YEARS, reverse=True):
        low, high = fractions.get(year, (0.0, 0.0))
        wanted = half_up_int(Decimal(repr(n106 * rng.uniform(low, high))))
        if year >= 103 and per_year[year] > 0:
            wanted = max(wanted, 1)
        counts[year] = min(wanted, per_year[year], ceiling)
        ceiling = counts[year]
    return counts


def _historic_runs(per_year: dict[int, int], rng: random.Random) -> list[tuple[int, int]]:
    """Decompose alliance-year counts into runs (first, last) of 1–4 consecutive years."""
    runs: list[tuple[int, int]] = []
    active: list[int] = []  # first years of the runs still going
    for year in EARLIER_YEARS:
        # A run usually stops after three years (one phase); now and then it goes on.
        going = [year - first < 3 or (year - first < 4 and rng.random() < 0.25) for first in active]
        candidates = [i for i, goes in enumerate(going) if goes]
        rng.shuffle(candidates)
        kept = set(candidates[: per_year[year]])
        runs += [(first, year - 1) for i, first in enumerate(active) if i not in kept]
        active = [first for i, first in enumerate(active) if i in kept]
        active += [year] * (per_year[year] - len(active))
    runs += [(first, EARLIER_YEARS[-1]) for first in active]
    return sorted(runs)


def _draw_fee(label: str, rng: random.Random) -> int:
    """A whole number of 仟元 inside a band (0-5 draws 1..5)."""
    _, lowest, highest = next(band for band in FEE_BANDS if band[0] == label)
    return rng.randint(max(lowest, 1), highest)


def _build_field(
    info: FieldInfo,
    members_row: dict[str, str],
    revenue_row: dict[str, str],
    bands_row: dict[str, str],
    rng: random.Random,
) -> tuple[list[_Draft], list[_Draft]]:
    """The field's 106 alliances (in code order) and its historic alliances."""
    n106 = int(members_row["alliances_derived"])
    company_members = int(members_row["company_members"])
    labels = [label for label in BAND_LABELS for _ in range(int(bands_row[label]))]
    earlier_total = len(labels) - n106
    if earlier_total < 0:
        raise ValueError(f"{info.name_zh}: fewer fee-band alliance-years than 106 alliances")

    # 1. Alliance-years.
    per_year = _spread(earlier_total, EARLIER_YEARS)
    continuing = _continuing_counts(per_year, n106, rng)
    current = []
    for index in range(n106):
        first = next((y for y in EARLIER_YEARS if index < continuing[y]), LAST_YEAR)
        current.append(_Draft(info.code, first, LAST_YEAR))
    historic_per_year = {year: per_year[year] - continuing[year] for year in EARLIER_YEARS}
    historic = [
        _Draft(info.code, first, last) for first, last in _historic_runs(historic_per_year, rng)
    ]

    # 2. Company members: 106 exact per field, earlier years plausible.
    shares = _split(company_members - 5 * n106, [rng.uniform(0.3, 1.7) for _ in current])
    for draft, share in zip(current, shares, strict=True):
        draft.members[LAST_YEAR] = 5 + share
        for year in EARLIER_YEARS:
            if year >= draft.first_year:
                shrink = (1 - 0.08 * (LAST_YEAR - year)) * rng.uniform(0.85, 1.05)
                draft.members[year] = max(3, int(draft.members[LAST_YEAR] * shrink))
    for draft in historic:
        size = rng.randint(4, 26)
        for year in draft.roc_years:
            draft.members[year] = max(3, size + rng.randint(-2, 3))

    # 3. Membership fees from shuffled band labels; 106 fees must fit the recurring total.
    recurring = int(revenue_row["recurring_operating"]) * 1000
    for _attempt in range(10_000):
        rng.shuffle(labels)
        values = [_draw_fee(label, rng) for label in labels]
        fees_106 = [d.members[LAST_YEAR] * v * 1000 for d, v in zip(current, values, strict=False)]
        if sum(fees_106) <= recurring:
            break
    else:  # pragma: no cover - the reference tables leave plenty of room
        raise ValueError(f"{info.name_zh}: no fee assignment fits the recurring revenue")
    for draft, fee in zip(current, fees_106, strict=True):
        draft.fees[LAST_YEAR] = fee
    earlier_slots = [
        (draft, year)
        for draft in current + historic
        for year in draft.roc_years
        if year < LAST_YEAR
    ]
    for (draft, year), value in zip(earlier_slots, values[n106:], strict=True):
        draft.fees[year] = draft.members[year] * value * 1000

    # 4. Revenue of 106 (in 仟元 while splitting, so every NT$ amount is a multiple of 1000).
    rest = (recurring - sum(fees_106)) // 1000
    services = _split(rest, [rng.uniform(0.2, 1.8) for _ in current])
    transfer = _split_sparse(int(revenue_row["tech_transfer"]), n106, 0.6, rng)
    collaboration = _split_sparse(int(revenue_row["derived_collaboration"]), n106, 0.85, rng)
    for i, draft in enumerate(current):
        technical = services[i] * rng.uniform(0.55, 0.9)
        draft.extras[LAST_YEAR] = {
            "technical_service": int(technical) * 1000,
            "other_operating": (services[i] - int(technical)) * 1000,
            "tech_transfer": transfer[i] * 1000,
            "collaboration": collaboration[i] * 1000,
        }
    for draft in current + historic:
        for year in draft.roc_years:
            if year < LAST_YEAR:
                draft.extras[year] = {
                    "technical_service": rng.randint(0, 1500) * 1000,
                    "other_operating": rng.randint(0, 400) * 1000,
                    "tech_transfer": rng.choice((0, 0, rng.randint(50, 2000))) * 1000,
                    "collaboration": rng.randint(0, 6000) * 1000,
                }
    return current, historic


def _split_sparse(total: int, count: int, share: float, rng: random.Random) -> list[int]:
    """Split ``total`` over ``count`` slots, roughly ``share`` of them non-zero (skewed)."""
    if count == 0:
        return []
    chosen = [rng.random() < share for _ in range(count)]
    if not any(chosen):
        chosen[rng.randrange(count)] = True
    return _split(total, [rng.expovariate(1.0) + 0.05 if c else 0.0 for c in chosen])


def _headcounts(year: int, rng: random.Random) -> dict[str, int]:
    """Individual, other and M3 members: small numbers."""
    if year == LAST_YEAR:
        return {
            "individual_members": rng.randint(0, 4),
            "other_members": rng.randint(0, 4),
            "m3_foreign": rng.choice((0, 0, 0, 0, 1, 1, 2)),
            "m3_research": rng.choice((0, 0, 0, 0, 0, 1, 1)),
        }
    return {
        "individual_members": rng.randint(0, 5),
        "other_members": rng.randint(0, 4),
        "m3_foreign": rng.choice((0, 0, 0, 0, 1)),
        "m3_research": rng.choice((0, 0, 0, 0, 0, 1)),
    }


def _ensure_m3(drafts: Sequence[_Draft], key: str, minimum: int) -> None:
    """At least ``minimum`` 106 alliances with a non-zero ``key`` (deterministic top-up)."""
    have = sum(1 for d in drafts if d.extras[LAST_YEAR][key] > 0)
    for draft in drafts:
        if have >= minimum:
            return
        if draft.extras[LAST_YEAR][key] == 0:
            draft.extras[LAST_YEAR][key] = 1
            have += 1


def _freeze(draft: _Draft, code: str, identity: tuple[str, str, str, str]) -> PlannedAlliance:
    name_zh, name_en, institution, team_type = identity
    years = []
    for index, year in enumerate(draft.roc_years):
        extras = draft.extras[year]
        years.append(
            PlannedYear(
                roc_year=year,
                phase=1 + index // 3,
                phase_year=1 + index % 3,
                subsidy=extras["subsidy"],
                company_members=draft.members[year],
                individual_members=extras["individual_members"],
                other_members=extras["other_members"],
                m3_foreign=extras["m3_foreign"],
                m3_research=extras["m3_research"],
                membership_fees=draft.fees[year],
                technical_service=extras["technical_service"],
                other_operating=extras["other_operating"],
                tech_transfer=extras["tech_transfer"],
                collaboration=extras["collaboration"],
            )
        )
    return PlannedAlliance(
        code=code,
        field_code=draft.field_code,
        name_zh=name_zh,
        name_en=name_en,
        institution=institution,
        team_type=team_type,
        years=tuple(years),
    )


def build_plan(seed: int = LAST_YEAR) -> list[PlannedAlliance]:
    """The demo plan: per field (fields.csv order) its 106 alliances, then historic ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    members = _by_field_zh("members_106.csv")
    revenue = _by_field_zh("revenue_106.csv")
    bands = _by_field_zh("fee_bands_102_106.csv")

    built: list[tuple[FieldInfo, list[_Draft]]] = []
    current_all: list[_Draft] = []
    for info in load_fields():
        current, historic = _build_field(
            info, members[info.name_zh], revenue[info.name_zh], bands[info.name_zh], rng
        )
        built.append((info, current + historic))
        current_all += current
        for draft in current + historic:
            for year in draft.roc_years:
                draft.extras[year].update(_headcounts(year, rng))
                draft.extras[year]["subsidy"] = rng.randint(100, 300) * 10_000
    _ensure_m3(current_all, "m3_foreign", 10)
    _ensure_m3(current_all, "m3_research", 5)

    plan: list[PlannedAlliance] = []
    for info, drafts in built:
        names = _names(info.code, len(drafts), rng)
        for index, (draft, (name_zh, name_en)) in enumerate(zip(drafts, names, strict=True)):
            if info.code == DEMO_FIELD and index == 0:
                institution, team_type = DEMO_INSTITUTION, DEMO_TEAM_TYPE
            else:
                pool = INSTITUTIONS + (MEDICAL_INSTITUTIONS if info.code == "biomed" else ())
                institution = rng.choice(pool)
                team_type = rng.choices(TEAM_TYPES, weights=_TEAM_TYPE_WEIGHTS)[0]
            code = f"{info.code.upper()}{index + 1:03d}"
            plan.append(_freeze(draft, code, (name_zh, name_en, institution, team_type)))
    return plan
