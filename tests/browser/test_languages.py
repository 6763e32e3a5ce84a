"""Both languages complete (issue 26): every main page of every role, rendered in English,
holds no Chinese outside what users typed; rendered in zh-Hant, no English interface
words. Text in the other language that the page marks as such (lang="…", the language
switch's 繁體中文, the open-data page's official column names) is fine: a screen reader
reads it in its own language.

"What users typed" is every text value in the database (names, reasons, titles) and in
the two JSON fields people write (a visit's agenda, a proposed profile), taken out of the
page's text before looking; values the portal itself writes (choices, other JSON such as
a version's warnings) are not taken out, so text the code writes is held to the page's
language."""

import re

import pytest
from django.apps import apps
from django.db import models

from alliances.models import ProfileRevision
from inspections.models import SiteVisit
from tests.a11y_helpers import logged_in_context, scene
from tests.browser.test_accessibility import PAGES

pytestmark = pytest.mark.browser

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+")
LATIN = re.compile(r"[A-Za-z]+")
# Latin words a zh-Hant page may carry: codes (R9, M-COMPANY, NT$, PDF), the names of
# file formats and of products, units.
ALLOWED_LATIN = re.compile(
    r"^([A-Z0-9]+|v\d*|Excel|xlsx|csv|json|pdf|zip|ics|WebP|English|Swagger|OpenAPI|"
    r"Email|e|mail|TOTP|Authenticator)$"
)
# Django's own tables hold the names of models and permissions, not users' words.
FRAMEWORK_APPS = {"contenttypes", "auth", "sessions", "admin", "sites"}
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|/[\w/.\-?=&{}]+")

# The text of the page in its own language: visible text nodes and the attributes that
# assistive technology reads, leaving out what an element marks as another language.
PAGE_TEXT = """() => {
  const own = document.documentElement.lang.toLowerCase().slice(0, 2);
  const inOwn = el => {
    const marked = el.closest('[lang]');
    return !marked || marked.getAttribute('lang').toLowerCase().slice(0, 2) === own;
  };
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || ['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT'].includes(el.tagName)) continue;
    if (el.closest('[hidden], [aria-hidden="true"]') || !el.checkVisibility()) continue;
    if (el.closest('code, kbd, samp')) continue;  // machine text: names, keys, commands
    if (inOwn(el) && node.textContent.trim()) parts.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll(
      '[placeholder], [aria-label], [title], img[alt], input[type=submit], input[type=button]')) {
    if (!inOwn(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
    if (el.tagName === 'INPUT' && el.value) parts.push(el.value);
  }
  return parts;
}"""


def typed_values() -> list[str]:
    """Every text value users gave (not choices, slugs or secrets), longest first."""
    values = set()
    for model in apps.get_models():
        if model._meta.app_label in FRAMEWORK_APPS:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField) or field.choices:
                continue
            if isinstance(field, models.SlugField) or field.name in {"password", "key"}:
                continue
            if not field.concrete:
                continue
            values.update(
                value.strip()
                for value in model.objects.values_list(field.name, flat=True).distinct()
                if value and value.strip()
            )
    for agenda in SiteVisit.objects.values_list("agenda", flat=True):
        values.update(row["item"] for row in agenda)
    for data in ProfileRevision.objects.values_list("data", flat=True):
        values.update(value for value in data.values() if isinstance(value, str))
    return sorted(values, key=len, reverse=True)


def foreign_text(parts: list[str], language: str, typed: list[str]) -> list[str]:
    """The runs of the other language left in the page's text once users' values are out."""
    found = []
    mine = [v for v in typed if (CJK if language == "en" else LATIN).search(v)]
    for part in parts:
        text = ADDRESSES.sub(" ", part)
        for value in mine:
            if value in text:
                text = text.replace(value, " ")
        if language == "en":
            found += [f"{run} (in “{part[:60]}”)" for run in CJK.findall(text)]
        else:
            found += [
                f"{word} (in “{part[:60]}”)"
                for word in LATIN.findall(text)
                if not ALLOWED_LATIN.match(word)
            ]
    return found


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_every_main_page_speaks_one_language(
    live_server, transactional_db, people, browser, language
):
    ids = scene(people)
    typed = typed_values()
    wrong = []
    for role, paths in PAGES.items():
        page = logged_in_context(
            browser, live_server, getattr(people, role, None), language=language
        ).new_page()
        for path in paths:
            url = path.format(**ids)
            response = page.goto(live_server.url + url)
            assert response.ok, f"{role} {url} answered {response.status}"
            for run in dict.fromkeys(foreign_text(page.evaluate(PAGE_TEXT), language, typed)):
                wrong.append(f"{role} {url}: {run}")
        page.context.close()
    assert not wrong, f"{len(wrong)} pieces of another language:\n" + "\n".join(wrong)


def test_the_check_finds_a_word_of_the_other_language(live_server, transactional_db, browser):
    """A Chinese word the page does not mark is found on an English page; marked, it is
    not; an English interface word is found on a zh-Hant page."""
    page = logged_in_context(browser, live_server, None, language="en").new_page()
    page.goto(live_server.url + "/")
    page.evaluate("() => document.querySelector('main').append('審查中')")
    assert foreign_text(page.evaluate(PAGE_TEXT), "en", []) == ["審查中 (in “審查中”)"]
    page.evaluate(
        "() => { const s = document.createElement('span'); s.lang = 'zh-Hant';"
        " s.textContent = '送審'; document.querySelector('main').append(s); }"
    )
    assert len(foreign_text(page.evaluate(PAGE_TEXT), "en", [])) == 1
    page.context.close()
    page = logged_in_context(browser, live_server, None, language="zh-hant").new_page()
    page.goto(live_server.url + "/")
    assert foreign_text(page.evaluate(PAGE_TEXT), "zh-hant", []) == []
    page.evaluate("() => document.querySelector('main').append('Submitted')")
    assert foreign_text(page.evaluate(PAGE_TEXT), "zh-hant", []) == ["Submitted (in “Submitted”)"]
    page.context.close()
