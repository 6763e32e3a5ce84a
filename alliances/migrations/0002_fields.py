"""The eight fields of the programme, in their fixed order (shared/reference/fields.csv)."""

from django.db import migrations

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


def create_fields(apps, schema_editor):
    Field = apps.get_model("alliances", "Field")
    for order, code, name_zh, name_en in FIELDS:
        Field.objects.update_or_create(
            code=code, defaults={"order": order, "name_zh": name_zh, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [("alliances", "0001_initial")]
    operations = [migrations.RunPython(create_fields, migrations.RunPython.noop)]
