"""Both languages complete (issue 26): the catalogue has no untranslated or fuzzy entry,
lists are joined as each language joins them, and a submitted version's warnings read in
the reader's language whichever language the PI submitted in."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from core import lists
from tests.filing_helpers import submitted_first_filing

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"


def entries(*flags: str) -> list[str]:
    """The msgids msgattrib keeps with these flags (the header aside)."""
    found = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(PO)], capture_output=True, text=True, check=True
    ).stdout
    return [line for line in found.splitlines() if line.startswith("msgid ") and line != 'msgid ""']


@pytest.mark.parametrize("flag", ["--untranslated", "--only-fuzzy"])
def test_the_catalogue_has_no_untranslated_or_fuzzy_entry(flag):
    assert entries(flag, "--no-obsolete") == []


def test_the_catalogue_check_finds_an_untranslated_entry(tmp_path, monkeypatch):
    broken = tmp_path / "django.po"
    broken.write_text(PO.read_text() + '\nmsgid "A sentence nobody translated"\nmsgstr ""\n')
    monkeypatch.setattr(f"{__name__}.PO", broken)
    assert entries("--untranslated") == ['msgid "A sentence nobody translated"']


def test_lists_are_joined_as_each_language_joins_them():
    with translation.override("zh-hant"):
        assert lists.join(["甲", "乙", "丙"]) == "甲、乙、丙"
        assert lists.join(["收入"], first="檢視") == "檢視、收入"
        assert lists.quoted("成員") == "「成員」"
    with translation.override("en"):
        assert lists.join(["view", "Keep the ledger"]) == "view, Keep the ledger"
        assert lists.quoted("成員") == "“成員”"


@pytest.mark.django_db
def test_a_versions_warnings_read_in_the_readers_language(people, client):
    """The PI submits in Chinese; the version's warnings (targets not met) read in English
    to a reader who chose English, and in Chinese to one who did not."""
    with translation.override("zh-hant"):
        version = submitted_first_filing(people)
    assert version.warnings, "the fixture's targets are not met: the check warns"
    client.force_login(people.pi)
    url = f"/alliances/{people.alliance.pk}/filings/106/first/v{version.number}/"
    zh = client.get(url, headers={"accept-language": "zh-hant"}).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(url).content.decode()
    assert "目前仍低於年度目標的項目" in zh
    assert "Below the year&#x27;s targets so far" in en and "目前仍低於年度目標的項目" not in en
    assert "Individual members 0/1, " in en
