"""Request logging: one line per request, a request id on every log record, JSON logs.

- ``RequestLogMiddleware`` (first in MIDDLEWARE) gives each request an id (the proxy's
  ``X-Request-ID`` when it is a sane token, else a new one), returns it in the response's
  ``X-Request-ID`` and logs one line on ``alliance_portal.requests``: method, path (never the
  query string, which may carry personal data), view name, status, duration, user id, client
  address. INFO below 500, ERROR from 500.
- ``request_id()`` is the id of the request being handled (None outside a request);
  ``RequestIdFilter`` puts it on every log record as ``record.request_id`` ("-" outside).
- ``JsonFormatter`` writes a record as one JSON object per line (LOG_FORMAT=json).
- ``sentry_before_send`` tags Sentry events with the request id (settings, SENTRY_DSN).
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

logger = logging.getLogger("alliance_portal.requests")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# What an incoming X-Request-ID may be; anything else is replaced by a fresh id.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The structured fields of a request line (record attributes, JSON keys).
REQUEST_FIELDS = ("method", "path", "view", "status", "duration_ms", "user_id", "remote_addr")


def request_id() -> str | None:
    """The id of the request being handled in this context, or None."""
    return _request_id.get()


def _incoming_or_new_id(header: str | None) -> str:
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Sets ``record.request_id`` to the current request's id, or "-" outside a request.
    Attached to the handlers, so that it sees every record, also of other loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get() or "-"
        return True


class RequestLogMiddleware:
    """One log line per request (see the module docstring). First in MIDDLEWARE, so that
    the duration covers every other middleware; it reads ``request.user`` only after the
    response, when AuthenticationMiddleware has set it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = _incoming_or_new_id(request.headers.get("X-Request-ID"))
        request.request_id = rid
        token = _request_id.set(rid)
        start = time.perf_counter()
        try:
            try:
                response = self.get_response(request)
            except Exception:
                # Django turns a view's exception into a 500 response before it gets here;
                # should one escape anyway, the request is still logged.
                self._log(request, 500, start)
                raise
            self._log(request, response.status_code, start)
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            _request_id.reset(token)

    def _log(self, request, status: int, start: float) -> None:
        duration_ms = round((time.perf_counter() - start) * 1000, 1)
        match = getattr(request, "resolver_match", None)
        fields = {
            "method": request.method,
            "path": request.path,
            "view": match.view_name if match else None,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": _user_id(request),
            "remote_addr": request.META.get("REMOTE_ADDR"),
            "request_id": request.request_id,
        }
        message = "%s %s %s %sms user=%s view=%s ip=%s"
        args = (
            fields["method"],
            fields["path"],
            status,
            duration_ms,
            "-" if fields["user_id"] is None else fields["user_id"],
            fields["view"] or "-",
            fields["remote_addr"] or "-",
        )
        level = logging.ERROR if status >= 500 else logging.INFO
        logger.log(level, message, *args, extra=fields)


def _user_id(request):
    user = getattr(request, "user", None)  # unset when a middleware answered before auth
    if user is None:
        return None
    try:
        return user.pk if user.is_authenticated else None
    except Exception:  # the session or user lookup failed: the line is still written
        logger.debug("user of request %s unavailable", request.request_id, exc_info=True)
        return None


# The attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (ISO 8601, UTC), level, logger, message, request_id,
    the `extra=` fields that are plain values (a request line's method, path, view, status,
    duration_ms, user_id, remote_addr) and the traceback as "exception"."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, tz=UTC)
        data = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get(),
        }
        for key, value in vars(record).items():
            # Plain values only: Django's `request` extra would print the query string.
            if (
                key not in _STANDARD_ATTRIBUTES
                and key not in data
                and (value is None or isinstance(value, str | int | float | bool))
            ):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def sentry_before_send(event, hint):
    """Sentry's before_send (and before_send_transaction): tags the event with the id of
    the request it happened in, and strips what may hold personal data (the query string,
    cookies, the body)."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "cookies", "data"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    rid = _request_id.get()
    if rid:
        tags = event.get("tags")
        if not isinstance(tags, dict):
            tags = event["tags"] = dict(tags or {})
        tags.setdefault("request_id", rid)
    return event
