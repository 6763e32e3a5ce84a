"""The programme's fixed reference data (shared/reference/fields.csv)."""

FIELDS = [
    (1, "civil", "土木能環", "Civil, Energy & Environment"),
    (2, "chem", "民生化工", "Consumer Goods & Chemical Engineering"),
    (3, "biomed", "生醫", "Biomedical"),
    (4, "service", "創服教育", "Innovative Services & Education"),
    (5, "mgmt", "經管資服", "Management & Information Services"),
    (6, "ict", "資通", "Information & Communication Technology"),
    (7, "elec", "電子", "Electronics"),
    (8, "mech", "機電材料", "Mechatronics, Electrical & Materials"),
]


def ensure_fields() -> int:
    """Create the eight fields where missing (the data migration does this on migrate;
    load_demo and tests that flush the database call it again). Returns how many were made."""
    from alliances.models import Field

    made = 0
    for order, code, name_zh, name_en in FIELDS:
        _, created = Field.objects.update_or_create(
            code=code, defaults={"order": order, "name_zh": name_zh, "name_en": name_en}
        )
        made += created
    return made
