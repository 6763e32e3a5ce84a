"""A rate per token (per person when signed in with the session; per address for the
public schema and documentation): settings API_TOKEN_RATE and API_ANONYMOUS_RATE. The
counts live in the shared cache, so every server of the portal counts together."""

from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def allow_request(self, request, view):
        self.scope = "api_token" if request.user.is_authenticated else "api_anonymous"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return f"api-throttle:{self.scope}:{ident}"


class RefusedTokenThrottle(SimpleRateThrottle):
    """Refused tokens per address (API_REFUSED_RATE): counted only when a token is refused,
    so someone trying tokens is slowed down (429) while good tokens are never counted."""

    scope = "api_refused"

    def get_cache_key(self, request, view):
        return f"api-throttle:{self.scope}:address-{self.get_ident(request)}"
