import datetime as dt

import pytest
from django import forms
from django.utils import translation

from core.forms import RocDateField

pytestmark = pytest.mark.smoke


class DueForm(forms.Form):
    due = RocDateField(label="Due")


@pytest.mark.parametrize("text", ["107.04.15", "107/4/15", "2018-04-15"])
def test_roc_date_field_accepts_roc_and_iso(text):
    form = DueForm(data={"due": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due"] == dt.date(2018, 4, 15)


def test_roc_date_field_shows_roc():
    html = str(DueForm(initial={"due": dt.date(2018, 4, 15)})["due"])
    assert 'value="107.04.15"' in html


def test_roc_date_field_explains_what_to_type_in_chinese():
    with translation.override("zh-hant"):
        form = DueForm(data={"due": "107.02.30"})
        assert not form.is_valid()
        message = form.errors["due"][0]
    assert "107.02.01" in message
    assert "民國" in message
