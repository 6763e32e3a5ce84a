import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from alliances.models import Alliance, Field, ProgrammeYear

pytestmark = [pytest.mark.smoke, pytest.mark.django_db]


def counts():
    return (User.objects.count(), Alliance.objects.count(), ProgrammeYear.objects.count())


def test_load_demo_refuses_when_demo_data_is_not_allowed(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("load_demo")
    assert counts() == (0, 0, 0)


def test_the_eight_fields_exist_in_their_fixed_order():
    assert list(Field.objects.values_list("name_zh", flat=True)) == [
        "土木能環",
        "民生化工",
        "生醫",
        "創服教育",
        "經管資服",
        "資通",
        "電子",
        "機電材料",
    ]
