"""Settings for the Alliance Portal, driven by environment variables.

PORTAL_ENV picks the defaults of a kind of deployment:

- ``development`` (the default; ``make run``): DEBUG on, SQLite under var/, email printed to the
  console, demo data allowed, office MFA not required.
- ``test`` (``make test``; alliance_portal/settings_test.py): like development with DEBUG off
  and fast password hashing.
- ``production``: DEBUG off, SECRET_KEY and ALLOWED_HOSTS required, HTTPS-only cookies and
  HSTS, demo data refused. ``manage.py check --deploy`` reports nothing.

Every default below can be overridden by the variable of the same name.
"""

import json
import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))

PORTAL_ENV = os.environ.get("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"PORTAL_ENV must be development, test or production, not {PORTAL_ENV!r}"
    )
PRODUCTION = PORTAL_ENV == "production"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_json(name: str, default):
    """A whole setting as JSON, e.g. MAILERS='{"default": {"BACKEND": "..."}}'."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} must be JSON: {exc}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", PORTAL_ENV == "development")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION or not (DEBUG or PORTAL_ENV == "test"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-" + "x" * 32  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Demo accounts and figures (manage.py load_demo) are never loaded into production.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", not PRODUCTION)
# Programme-office staff must set up two-factor authentication before office pages.
OFFICE_MFA_REQUIRED = env_bool("OFFICE_MFA_REQUIRED", PORTAL_ENV != "development")

# Django's admin (alliance_portal/admin_site.py): mounted at /admin/ only when enabled, and
# then behind the portal's login, its failed-login limits and two-factor authentication.
ADMIN_ENABLED = env_bool("ADMIN_ENABLED", not PRODUCTION)

INSTALLED_APPS = [
    "alliance_portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # One site row (SITE_ID) names the portal in emails and keys allauth's failed-login
    # counter on the account whatever Host a request came with (docs/security.md).
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: no CDN
    "core",
    "accounts",
    "alliances",
    "members",
    "kpi",
    "assurance",
    "inspections",
    "events",
    "reports",
    "workbook_import",
    "dossier",
    "demo",
    "api",
]

MIDDLEWARE = [
    # First, so that its one line per request times everything below it.
    "core.observability.RequestLogMiddleware",
    # Health checks answer before the host check and the HTTPS redirect: a load balancer
    # asks each server by its address over plain HTTP (alliance_portal/health.py).
    "alliance_portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.OfficeMfaMiddleware",
    # Pages and downloads of a signed-in user are never kept by a browser or proxy cache.
    "core.middleware.PrivateCacheMiddleware",
]

ROOT_URLCONF = "alliance_portal.urls"
WSGI_APPLICATION = "alliance_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "alliance_portal.context_processors.portal",
            ],
            "builtins": ["core.templatetags.portal"],
        },
    },
]

# Database: DATABASE_URL (postgres://user@host:5432/name), else SQLite under var/.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, for the test database too: tests start other processes on it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
    # Several processes (server and worker) share the file: wait for locks, don't fail.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# No state inside one process: every app server may answer any request.
# Cache (login rate limits) and sessions are shared by every process. Redis when REDIS_URL is
# set (sessions then written to the database and read through the cache), else a database
# table (created by `manage.py createcachetable` in make setup) and sessions in the database.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth (65.x setting names)
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[產學小聯盟] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "產學小聯盟管考平台"
# Failed logins are limited per address and per IP in the shared cache (allauth).
# Registrations (alliances/views/registration.py) are limited per IP and per address too.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,5/300s/key", "signup": "10/m/ip,3/h/key"}
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))
# Absolute links in emails (invitations, notifications).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The site row (django.contrib.sites) is set from these on every migrate: its name greets in
# allauth's emails, its domain is that of PORTAL_BASE_URL.
SITE_ID = 1
PORTAL_SITE_NAME = os.environ.get("PORTAL_SITE_NAME") or "產學小聯盟管考平台"  # never blank
PORTAL_SITE_DOMAIN = urlsplit(PORTAL_BASE_URL).netloc or "127.0.0.1:8000"

# Internationalisation: Traditional Chinese first, English available.
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Digits grouped by thousands in zh-Hant too (core/formats/zh_Hant).
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Taipei")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"
# Evidence files: outside MEDIA_ROOT, served only through views that check permissions.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))

# File storage (docs/deploy.md): STORAGE_BACKEND=local keeps uploads on this machine's disk
# (one machine, or a disk every app server mounts); STORAGE_BACKEND=s3 puts them in an
# S3-compatible bucket (django-storages) so that any number of app servers share them.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")


def _s3_options(prefix: str) -> dict:
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3")
    return {
        "bucket_name": bucket,
        "location": prefix,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3 itself.
        # No ACL per object: buckets made since 2023 refuse them (ACLs disabled); keep the
        # bucket private with "Block Public Access" (docs/deploy.md).
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
    }


# Static files: WhiteNoise serves them from every app server; outside development and tests
# the names carry a hash of the content (collectstatic writes the manifest), so browsers
# may cache them for ever.
STATIC_HASHED = env_bool("STATIC_HASHED", PORTAL_ENV == "production")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if STORAGE_BACKEND == "local"
    else {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options("media")},
    "private": {"BACKEND": "core.storage.PrivateFileSystemStorage"}
    if STORAGE_BACKEND == "local"
    else {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options("private")},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_HASHED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# WhiteNoise serves them from the app servers themselves (in development runserver does).
SERVE_STATIC = env_bool("SERVE_STATIC", PRODUCTION)
if SERVE_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
# The read-only JSON API (/api/v1/, docs/api.md): personal tokens, one fixed page size, a
# rate per token (API_TOKEN_RATE, e.g. "600/hour"; DRF's throttle on the shared cache).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "api.authentication.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.FixedPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_token": os.environ.get("API_TOKEN_RATE", "1200/hour"),
        "api_anonymous": os.environ.get("API_ANONYMOUS_RATE", "600/hour"),
        "api_refused": os.environ.get("API_REFUSED_RATE", "30/minute"),
    },
    "DEFAULT_METADATA_CLASS": None,  # no OPTIONS: GET (and HEAD) only
    # The address of the connection, never a client's X-Forwarded-For (which anyone can
    # write): a proxy in front sets TRUSTED_PROXY_COUNT.
    "NUM_PROXIES": int(
        os.environ.get("TRUSTED_PROXY_COUNT", "1" if env_bool("BEHIND_TLS_PROXY", False) else "0")
    ),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
API_PAGE_SIZE = 50
SPECTACULAR_SETTINGS = {
    "TITLE": "Alliance Portal API",
    "DESCRIPTION": (
        "Read-only JSON API of the Alliance Portal (產學小聯盟管考平台). A personal token "
        "(made on the profile page) sees exactly what its owner sees in the portal. "
        "Money in NT$; ROC years (106 = 2017); rule ids (M1…, R1…, O1…, S1…) as in the "
        "programme's counting rules."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

# How long a finished export (summary workbook, report PDF) is kept for its owner.
EXPORT_RETENTION_HOURS = int(os.environ.get("EXPORT_RETENTION_HOURS", "24"))

# Email: one named mailer (Django 6.1 MAILERS). MAILER_BACKEND picks the backend; SMTP
# options come from EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS.
# MAILERS, as JSON, replaces the whole setting.
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "產學小聯盟計畫辦公室 <office@example.org>"
)
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The programme office's address for questions, named wherever a page says to contact it
# (verify your email, password reset, registration, the 500 page). Default: DEFAULT_FROM_EMAIL's.
PORTAL_CONTACT_EMAIL = os.environ.get(
    "PORTAL_CONTACT_EMAIL", parseaddr(DEFAULT_FROM_EMAIL)[1] or "office@example.org"
)
_mailer_backend = os.environ.get(
    "MAILER_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
_mailer_options: dict = {}
if _mailer_backend.endswith("smtp.EmailBackend"):
    _mailer_options = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "timeout": 30,
    }
MAILERS = env_json("MAILERS", {"default": {"BACKEND": _mailer_backend, "OPTIONS": _mailer_options}})

# Background work: Django's tasks framework on the django-tasks-db backend; `manage.py
# db_worker` runs them. TASKS_BACKEND=immediate runs them in-process (for debugging only);
# TASKS, as JSON, replaces the whole setting.
TASKS = env_json(
    "TASKS",
    {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("TASKS_BACKEND") == "immediate"
            else "django_tasks_db.DatabaseBackend",
            "QUEUES": ["default", "email"],
        }
    },
)
# Retries of failed tasks (core.tasks.retrying_task): attempts and first delay.
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "4"))
TASK_RETRY_BASE_SECONDS = int(os.environ.get("TASK_RETRY_BASE_SECONDS", "30"))
# Workers (`manage.py portal_worker`) beat every WORKER_HEARTBEAT_SECONDS; a running task
# whose worker has been silent for WORKER_STALE_SECONDS is queued again (or, after
# TASK_MAX_ATTEMPTS runs, marked failed). /healthz wants a beat within WORKER_STALE_SECONDS.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
WORKER_STALE_SECONDS = float(os.environ.get("WORKER_STALE_SECONDS", "60"))
if WORKER_STALE_SECONDS < 2 * WORKER_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WORKER_STALE_SECONDS must be at least twice WORKER_HEARTBEAT_SECONDS"
    )

# Security: HTTPS everywhere outside development.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (Django's own, docs/security.md): scripts and
# styles from the portal itself only (an inline script or style needs the request's nonce;
# no inline handler, no style attribute), images also as data: URIs (the TOTP QR code), no framing.
# CSP_IMG_SOURCES adds image origins (an S3 bucket's, if images are ever served from it).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],  # the admin's few <style> blocks carry the nonce
    "img-src": [CSP.SELF, "data:", *env_list("CSP_IMG_SOURCES", [])],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Logs: one line per request on alliance_portal.requests (core/observability.py),
# every record with the id of its request (rid=, "-" outside a request). LOG_FORMAT=json
# writes one JSON object per line instead.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s rid=%(request_id)s"},
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request line already says 404 or 405 and runserver's own access line repeats
        # it: keep only their errors (django.request's tracebacks of 500s).
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        "django.tasks": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if PORTAL_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MEDIA_ROOT = VAR_DIR / "test-media"
    PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"

# Error reporting: Sentry when SENTRY_DSN is set (nothing is initialised, nothing sent, else).
# Release: SENTRY_RELEASE, else the git commit when there is a checkout (sentry-sdk's own
# default). No personal data; every event is tagged with its request id.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import ignore_logger

    from core.observability import sentry_before_send

    try:
        _traces_sample_rate = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or 0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number: {exc}") from exc
    if not 0 <= _traces_sample_rate <= 1:
        raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be between 0 and 1")
    # A 500's request line would be a second event beside the exception's own.
    ignore_logger("alliance_portal.requests")
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration()],
        environment=PORTAL_ENV,
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=_traces_sample_rate,
        send_default_pii=False,
        # Forms carry names, emails and figures; frames' variables can too.
        max_request_body_size="never",
        include_local_variables=False,
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
    )

# Checks across alliances (assurance/checks, docs/rules.md X1–X6): their thresholds, as JSON
# in CROSS_CHECKS to change any (the rest keep their defaults in assurance.checks.DEFAULTS).
CROSS_CHECKS = env_json("CROSS_CHECKS", {})
