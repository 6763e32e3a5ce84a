"""The benchmark dataset's fixed choices: fields' weights, fees, names; the plan of a slot
and of an alliance-year being built."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import translation

from alliances.models import (
    Alliance,
    AllianceYear,
    Field,
)

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


def choice_labels(choices) -> dict:
    with translation.override("zh-hant"):
        return {value: str(label) for value, label in choices.choices}
