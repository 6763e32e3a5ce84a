"""Every browser test fails on a Content-Security-Policy violation: each page a test opens
(through browser.new_page or a new context) has its console watched."""

import pytest

CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture
def csp_violations():
    """The CSP violations reported in the console of the pages of this test."""
    return []


@pytest.fixture(autouse=True)
def _fail_on_csp_violations(request, csp_violations):
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")

    def watch(page):
        def on_console(message):
            if any(word in message.text for word in CSP_WORDS):
                csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)
        return page

    new_page, new_context = browser.new_page, browser.new_context

    def watched_page(*args, **kwargs):
        return watch(new_page(*args, **kwargs))

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("page", watch)
        return context

    browser.new_page = watched_page
    browser.new_context = watched_context
    try:
        yield
    finally:
        del browser.new_page
        del browser.new_context
    assert not csp_violations, "Content-Security-Policy violations:\n" + "\n".join(csp_violations)
