"""The names the demo gives its alliances, and their institutions."""

from __future__ import annotations

import random

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


TEAM_TYPE_WEIGHTS = (3, 1, 3, 2)


# The demo alliance: the first 機電材料 alliance of 106, which the demo accounts belong to.
DEMO_FIELD = "mech"


DEMO_MODIFIER = ("智慧", "Smart")


DEMO_TOPIC = ("精密加工", "Precision Machining")


DEMO_INSTITUTION = "國立成功大學"


DEMO_TEAM_TYPE = "same_school"


def alliance_names(field_code: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
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
