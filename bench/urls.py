"""The portal's URLs plus `/bench/bare/`, for the load test's settings only (bench/settings.py).

The bare view is the ceiling the load test measures the portal against: a logged-in user's
request through every middleware of production (session read, user load, CSRF, locale, the
request log, office MFA), rendering a minimal template with the request's context processors,
and nothing else: no query of its own, no permission check, no layout.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from alliance_portal.urls import urlpatterns as portal_urlpatterns

BARE = engines["django"].from_string(
    '<!doctype html><html lang="{{ LANGUAGE_CODE }}"><head><meta charset="utf-8">'
    "<title>bare</title></head><body><main><h1>bare</h1>"
    '<p class="who">{{ user.email }}</p>'
    '<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
    'value="{{ csrf_token }}"></form></main></body></html>'
)


@login_required
def bare(request):
    return HttpResponse(BARE.render({}, request))


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
