"""The load test's settings (bench/load.py): production's, plus the bare authenticated view.

`bench/load.py` starts serve-prod with DJANGO_SETTINGS_MODULE=bench.settings, so the same
gunicorn instances, through the same middleware (request log, security, CSP, session,
locale, CSRF, authentication, messages, allauth, office MFA, private cache), answer both the
portal's pages and `/bench/bare/`. Nothing in alliance_portal/ names this module: the bare
view is never among production's URLs (tests/test_bench_settings.py holds both to that).
"""

from alliance_portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
