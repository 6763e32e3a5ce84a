"""Content-Security-Policy on every page (Django's own SECURE_CSP), and templates that need
nothing it forbids: no inline script without the request's nonce, no inline event handler,
no style attribute. (The browser tests also fail on any CSP violation in the console; the
permission matrix checks the header and Cache-Control on every URL for every role.)"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Rendered by WeasyPrint into PDFs, never served to a browser as HTML.
PDF_TEMPLATES = re.compile(r"(^|/)(pdf_|_chart_pdf|.*_pdf\.html$)")

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def served_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if relative.startswith("email/") or PDF_TEMPLATES.search(relative):
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_templates_need_no_inline_script_handler_or_style():
    problems = []
    for name, text in served_templates():
        if INLINE_HANDLER.search(text):
            problems.append(f"{name}: an inline event handler")
        if STYLE_ATTRIBUTE.search(text):
            problems.append(f"{name}: a style attribute")
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and "nonce=" not in attributes:
                problems.append(f"{name}: an inline <script> without the request's nonce")
    assert not problems, "\n".join(problems)


def test_the_guard_above_finds_what_it_looks_for():
    assert INLINE_HANDLER.search('<select id="y" onchange="go()">')
    assert STYLE_ATTRIBUTE.search('<body style="margin: 0">')
    assert SCRIPT_TAG.findall("<script>alert(1)</script>") == [""]


def test_charts_draw_without_a_style_attribute():
    from reports.charts import bar_chart

    svg = str(bar_chart(id="c", title="t", description="d", labels=["甲"], values=[1]))
    assert "<svg" in svg and "style=" not in svg


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/directory/"])
def test_every_page_carries_the_policy(client, db, path):
    response = client.get(path)
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    # The request's nonce is named only when a template used it (Django's LazyNonce).
    assert re.fullmatch(r"'self'( 'nonce-[\w+/=-]+')?", policy["script-src"])
    assert re.fullmatch(r"'self'( 'nonce-[\w+/=-]+')?", policy["style-src"])
    assert "unsafe-inline" not in str(policy)
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_signed_in_pages_and_downloads_are_never_cached_public_pages_may_be(client, people):
    assert "no-store" not in client.get("/directory/").get("Cache-Control", "")
    client.force_login(people.pi)
    for url in (
        "/",
        f"/alliances/{people.alliance.pk}/members/106/",
        f"/alliances/{people.alliance.pk}/members/106/export.xlsx",
        f"/alliances/{people.alliance.pk}/ledger/106/export.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url
