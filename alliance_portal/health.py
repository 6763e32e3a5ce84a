"""For load balancers and the people on call: /healthz, /healthz/live, and the page a
request gets when the database is away.

- `/healthz/live` answers "ok" from the process alone (no database): the server is up.
  (The load test's ceiling is a logged-in bare view, /bench/bare/, under its own settings:
  bench/settings.py.)
- `/healthz` says whether this server can serve: the database answers, every migration is
  applied, and a task worker beat within WORKER_STALE_SECONDS. 200 or 503, with the reason
  of each check in JSON.
- `server_error` (handler500): a request that failed because the database could not be
  reached or went away gets a short 503 page in both languages saying its change may not
  have been saved and to try again, with Retry-After; anything else the usual 500 page.
"""

import logging
import sys
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError, InterfaceError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.workers import DATABASE_DOWN

logger = logging.getLogger(__name__)

# A migration plan takes ~50 ms to compute; once it is empty it stays empty until the next
# deployment restarts the process, so a positive answer is remembered for a minute.
_MIGRATIONS_OK_FOR = 60.0
_migrations_ok_at = 0.0


def _database_answers() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "cannot serve"
        # The details (host, port, database name) go to the log, not to the public.
        logger.warning("health check: the database does not answer: %s", exc)
        connections[DEFAULT_DB_ALIAS].close()
        return False
    return True


def _check_database() -> dict:
    if _database_answers():
        return {"ok": True}
    return {"ok": False, "reason": "the database cannot be reached"}


def _check_migrations() -> dict:
    global _migrations_ok_at
    if time.monotonic() - _migrations_ok_at < _MIGRATIONS_OK_FOR:
        return {"ok": True, "unapplied": 0}
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
        return {
            "ok": False,
            "unapplied": len(plan),
            "reason": "unapplied migrations: " + ", ".join(names[:5]),
        }
    _migrations_ok_at = time.monotonic()
    return {"ok": True, "unapplied": 0}


def _check_worker() -> dict:
    from django.conf import settings

    from core.models import WorkerHeartbeat
    from core.workers import live_workers

    live = live_workers().count()
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    result = {"ok": live > 0, "workers": live, "last_beat": last.isoformat() if last else None}
    if not live:
        result["reason"] = (
            f"no task worker beat in the last {settings.WORKER_STALE_SECONDS:g} s"
            + (f" (last {last.isoformat()})" if last else " (none ever)")
        )
    return result


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _check_database()}
    if checks["database"]["ok"]:
        try:
            checks["migrations"] = _check_migrations()
            if checks["migrations"]["ok"]:  # else the heartbeat table may not exist yet
                checks["worker"] = _check_worker()
        except DatabaseError as exc:
            logger.warning("health check failed: %s", exc)
            connections[DEFAULT_DB_ALIAS].close()
            checks["database"] = {"ok": False, "reason": f"database error ({type(exc).__name__})"}
    ok = all(check["ok"] for check in checks.values())
    body = {
        "status": "ok" if ok else "unavailable",
        "time": timezone.now().isoformat(),
        "checks": checks,
    }
    if not ok:
        body["reason"] = "; ".join(
            f"{name}: {check.get('reason', 'failed')}"
            for name, check in checks.items()
            if not check["ok"]
        )
    response = JsonResponse(body, status=200 if ok else 503, json_dumps_params={"indent": 1})
    # The request line says it; a probe every few seconds needs no "Service Unavailable"
    # error (and Sentry event) of django.request besides.
    response._has_been_logged = True
    return response


@never_cache
@require_safe
def live(request):
    return HttpResponse("ok\n", content_type="text/plain")


class HealthCheckMiddleware:
    """Answers /healthz and /healthz/live itself, before SecurityMiddleware and
    CommonMiddleware: a load balancer asks each server by its own address (a Host not in
    ALLOWED_HOSTS; some balancers cannot set one) over plain HTTP. Neither view uses the
    host, a session or a user."""

    PATHS = {"/healthz": "healthz", "/healthz/live": "live"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = self.PATHS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return globals()[view](request)


def server_error(request, template_name="500.html"):
    """handler500: 503 with a "try again" page when the database is away, else 500."""
    error = sys.exc_info()[1]
    while error is not None and not isinstance(error, DATABASE_DOWN):
        error = error.__cause__ or error.__context__
    # A lost or refused connection, not a deadlock, timeout or missing table (a real 500):
    # an interface error, or an operational error while the database does not answer.
    if error is not None and (isinstance(error, InterfaceError) or not _database_answers()):
        logger.error("database unavailable: %s", error)
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()
        response = HttpResponse(
            loader.get_template("503.html").render(),
            status=503,
            content_type="text/html; charset=utf-8",
        )
        response["Retry-After"] = "30"
        return response
    # The page says to contact the programme office: it names its address (no request
    # context, no database).
    page = loader.get_template(template_name).render({"contact": settings.PORTAL_CONTACT_EMAIL})
    return HttpResponseServerError(page)
