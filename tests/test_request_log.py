"""One log line per request with its id, user and duration; JSON logs; Sentry only with a DSN."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from django.utils.module_loading import import_string

from core import observability
from core.observability import RequestIdFilter, RequestLogMiddleware, request_id

ROOT = Path(__file__).resolve().parent.parent
REQUEST_LOGGER = "alliance_portal.requests"

pytestmark = pytest.mark.smoke


# A tiny URLconf (this module, through ROOT_URLCONF) with views that log, answer and fail.
def view_ok(request):
    logging.getLogger("tests.request_log").warning("inside the view")
    return HttpResponse(request_id() or "")


def view_boom(request):
    raise RuntimeError("the view failed")


urlpatterns = [
    path("ok/", view_ok, name="log-ok"),
    path("boom/", view_boom, name="log-boom"),
]

use_test_urls = override_settings(ROOT_URLCONF=__name__)


def request_lines(caplog):
    return [r for r in caplog.records if r.name == REQUEST_LOGGER]


def the_request_line(caplog):
    (line,) = request_lines(caplog)
    return line


@use_test_urls
def test_a_request_id_is_generated_returned_and_logged(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = client.get("/ok/")
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert response.content.decode() == rid  # request_id() inside the view
    line = the_request_line(caplog)
    assert line.levelno == logging.INFO
    assert line.request_id == rid
    assert (line.method, line.path, line.view, line.status) == ("GET", "/ok/", "log-ok", 200)
    assert request_id() is None  # reset after the request


@use_test_urls
def test_the_proxys_request_id_is_kept_when_sane(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    rid = "Proxy-1.2_abc-" + "x" * 50  # 64 characters
    response = client.get("/ok/", headers={"X-Request-ID": rid})
    assert response["X-Request-ID"] == rid
    assert the_request_line(caplog).request_id == rid


@pytest.mark.parametrize(
    "incoming", ["x" * 65, "two words", "<script>", "id\nforged: 1", "ünïcode", "a/b", ""]
)
@use_test_urls
def test_an_insane_request_id_is_replaced(client, caplog, incoming):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = client.get("/ok/", headers={"X-Request-ID": incoming})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert the_request_line(caplog).request_id == response["X-Request-ID"]


@use_test_urls
def test_the_line_names_the_logged_in_user(client, caplog, make_user):
    user = make_user("logged@example.org")
    client.force_login(user)
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    client.get("/ok/")
    line = the_request_line(caplog)
    assert line.user_id == user.pk
    assert f" user={user.pk} " in line.getMessage()


@use_test_urls
def test_an_anonymous_request_has_no_user(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    client.get("/ok/")
    line = the_request_line(caplog)
    assert line.user_id is None
    assert " user=- " in line.getMessage()


@use_test_urls
def test_the_line_has_a_duration_and_no_query_string(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    client.get("/ok/?email=someone@example.org&name=王小明")
    line = the_request_line(caplog)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    message = line.getMessage()
    assert re.match(r"GET /ok/ 200 \d+(\.\d)?ms user=- view=log-ok ip=127\.0\.0\.1$", message)
    assert "someone" not in message and "email" not in message


@pytest.mark.django_db
def test_a_missing_page_logs_404_once(client, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = client.get("/no-such-page/?q=1")
    assert response.status_code == 404
    line = the_request_line(caplog)
    assert (line.levelno, line.status, line.path, line.view) == (
        logging.INFO,
        404,
        "/no-such-page/",
        None,
    )
    # django.request's "Not Found" warning would repeat the request line (settings).
    assert not [r for r in caplog.records if r.name == "django.request"]


@use_test_urls
def test_a_failing_view_logs_500_at_error(caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    assert response["X-Request-ID"]
    line = the_request_line(caplog)
    assert (line.levelno, line.status, line.view) == (logging.ERROR, 500, "log-boom")
    # The traceback is still logged, once, by Django.
    (traceback,) = [r for r in caplog.records if r.name == "django.request"]
    assert traceback.exc_info and traceback.request_id == line.request_id


def test_an_exception_that_escapes_is_logged_as_500_and_raised(rf, caplog):
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)

    def get_response(request):
        raise RuntimeError("escaped")

    request = rf.get("/escaping/", headers={"X-Request-ID": "escape-1"})
    with pytest.raises(RuntimeError, match="escaped"):
        RequestLogMiddleware(get_response)(request)
    line = the_request_line(caplog)
    assert (line.status, line.levelno, line.request_id) == (500, logging.ERROR, "escape-1")
    assert request_id() is None


def test_the_filter_puts_the_request_id_on_every_record(rf):
    seen = {}

    def get_response(request):
        record = logging.LogRecord("any.logger", logging.INFO, __file__, 1, "inside", None, None)
        RequestIdFilter().filter(record)
        seen["inside"] = record.request_id
        return HttpResponse()

    RequestLogMiddleware(get_response)(rf.get("/", headers={"X-Request-ID": "filter-1"}))
    outside = logging.LogRecord("any.logger", logging.INFO, __file__, 1, "outside", None, None)
    RequestIdFilter().filter(outside)
    assert seen["inside"] == "filter-1"
    assert outside.request_id == "-"


def test_the_settings_plain_format_shows_the_request_id():
    record = logging.LogRecord("any.logger", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    RequestIdFilter().filter(record)
    formatter = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"])
    assert formatter.format(record).endswith(" INFO any.logger hello x rid=-")


@pytest.fixture
def json_log():
    """A root handler made from the settings' JSON formatter and request-id filter, writing
    to a buffer; yields a function that returns the lines written, parsed."""
    config = settings.LOGGING
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(import_string(config["formatters"]["json"]["()"])())
    handler.addFilter(import_string(config["filters"]["request_id"]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@use_test_urls
def test_json_lines_carry_the_request_id_and_the_request_fields(client, json_log):
    response = client.get("/ok/?email=someone@example.org", headers={"X-Request-ID": "json-1"})
    assert response.status_code == 200
    lines = json_log()
    (inside,) = [line for line in lines if line["message"] == "inside the view"]
    assert inside["request_id"] == "json-1"
    assert (inside["level"], inside["logger"]) == ("WARNING", "tests.request_log")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", inside["time"])
    (line,) = [line for line in lines if line["logger"] == REQUEST_LOGGER]
    assert line["request_id"] == "json-1"
    assert {k: line[k] for k in ("method", "path", "view", "status", "user_id")} == {
        "method": "GET",
        "path": "/ok/",
        "view": "log-ok",
        "status": 200,
        "user_id": None,
    }
    assert isinstance(line["duration_ms"], float)
    assert "someone" not in json.dumps(lines)


def test_json_lines_carry_the_traceback(json_log):
    try:
        raise ValueError("broken")
    except ValueError:
        logging.getLogger("tests.request_log").exception("it broke")
    (line,) = json_log()
    assert line["level"] == "ERROR" and line["request_id"] == "-"
    assert "ValueError: broken" in line["exception"]


def test_sentry_before_send_tags_the_request_id_and_drops_nothing(rf):
    events = []

    def get_response(request):
        events.append(observability.sentry_before_send({"tags": {"a": "b"}}, {}))
        return HttpResponse()

    RequestLogMiddleware(get_response)(rf.get("/", headers={"X-Request-ID": "sentry-1"}))
    assert events == [{"tags": {"a": "b", "request_id": "sentry-1"}}]
    assert observability.sentry_before_send({"message": "x"}, {}) == {"message": "x"}


def test_sentry_events_lose_query_strings_cookies_and_bodies():
    event = {
        "request": {
            "url": "https://portal.example.org/members/?q=王小明",
            "query_string": "q=王小明",
            "cookies": {"sessionid": "secret"},
            "data": {"email": "pi@example.org"},
            "method": "POST",
        }
    }
    cleaned = observability.sentry_before_send(event, {})
    assert cleaned["request"] == {"url": "https://portal.example.org/members/", "method": "POST"}


def test_sentry_is_not_initialised_without_a_dsn():
    assert not settings.SENTRY_DSN
    assert sentry_sdk.get_client().is_active() is False


# The settings module in a fresh process, as in test_deploy_settings.py.
def python(code, *, tmp_path, **env):
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PORTAL_", "DEBUG", "SECRET_KEY", "LOG_", "SENTRY_"))
    }
    environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "alliance_portal.settings_test",
            "PORTAL_ENV": "test",
            "PORTAL_VAR_DIR": str(tmp_path),
        }
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


REQUEST_IN_A_FRESH_PROCESS = """
import logging
import django
django.setup()
from django.http import HttpResponse
from django.test import RequestFactory
from core.observability import RequestLogMiddleware

def view(request):
    logging.getLogger("portal.example").warning("inside the view")
    return HttpResponse("ok")

request = RequestFactory().get("/kpi/?email=someone@example.org", HTTP_X_REQUEST_ID="proxy-1")
RequestLogMiddleware(view)(request)
logging.getLogger("portal.example").warning("outside")
"""


def test_log_format_json_writes_one_json_object_per_line(tmp_path):
    result = python(REQUEST_IN_A_FRESH_PROCESS, tmp_path=tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("portal.example", "proxy-1"),
        (REQUEST_LOGGER, "proxy-1"),
        ("portal.example", "-"),
    ]
    request = lines[1]
    assert request["level"] == "INFO" and request["path"] == "/kpi/"
    assert request["status"] == 200 and request["user_id"] is None
    assert "someone" not in result.stderr


def test_the_plain_format_is_the_default(tmp_path):
    result = python(REQUEST_IN_A_FRESH_PROCESS, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    inside, request, outside = result.stderr.splitlines()
    assert inside.endswith(" WARNING portal.example inside the view rid=proxy-1")
    assert re.search(
        r" INFO alliance_portal\.requests GET /kpi/ 200 \d+(\.\d)?ms user=- view=- "
        r"ip=127\.0\.0\.1 rid=proxy-1$",
        request,
    )
    assert outside.endswith(" WARNING portal.example outside rid=-")


def test_an_unknown_log_format_is_refused(tmp_path):
    result = python("import django; django.setup()", tmp_path=tmp_path, LOG_FORMAT="bogus")
    assert result.returncode != 0
    assert "LOG_FORMAT must be plain or json, not 'bogus'" in result.stderr


def test_sentry_is_initialised_when_a_dsn_is_set(tmp_path):
    code = (
        "import django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(c.is_active()); o = c.options; "
        "print(o['environment'], o['release'], o['traces_sample_rate'], o['send_default_pii'], "
        "o['before_send'].__name__); print(o['max_request_body_size'], "
        "o['include_local_variables'])"
    )
    result = python(
        code,
        tmp_path=tmp_path,
        SENTRY_DSN="https://public@127.0.0.1:9/1",  # unreachable; nothing is sent at init
        SENTRY_RELEASE="portal@1.2.3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "True",
        "test portal@1.2.3 0.0 False sentry_before_send",
        "never False",  # no form bodies, no frame variables: they may hold personal data
    ]


def test_a_malformed_sentry_sample_rate_is_named(tmp_path):
    result = python(
        "import django; django.setup()",
        tmp_path=tmp_path,
        SENTRY_DSN="https://public@127.0.0.1:9/1",
        SENTRY_TRACES_SAMPLE_RATE="often",
    )
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number" in result.stderr
