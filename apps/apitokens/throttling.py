"""Rate limits of the API (REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES): per personal token, per signed-in user.

A token and its owner's browser session are counted apart, so a busy script
cannot lock its owner out of the web application. Rates are settings
(API_RATE_PER_TOKEN, API_RATE_PER_USER); anonymous calls use DRF's AnonRateThrottle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.throttling import SimpleRateThrottle

from apps.apitokens.models import ApiToken

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class TokenRateThrottle(SimpleRateThrottle):
    """Requests made with a personal API token, counted per token (scope "token", API_RATE_PER_TOKEN)."""

    scope = "token"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class SessionUserRateThrottle(SimpleRateThrottle):
    """Requests made from a signed-in browser session, counted per user (scope "user", API_RATE_PER_USER)."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken) or not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
