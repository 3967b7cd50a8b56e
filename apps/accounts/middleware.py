"""Per-request middleware of accounts.

TwoFactorRequiredMiddleware: reviewers, leads and admins reach nothing before
their session is OTP-verified. UserTimeZoneMiddleware: pages show times in the
signed-in user's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.permissions import requires_two_factor
from apps.accounts.security import user_has_second_factor, user_is_verified
from apps.accounts.timezones import user_time_zone

# The pages a half-signed-in user needs to finish signing in, sign out or
# change language, and the load balancer's health check (by URL name).
EXEMPT_URL_NAMES = frozenset(
    {
        "login",
        "logout",
        "accounts:sign_in_verify",
        "accounts:two_factor_enrol",
        "set_language",
        "healthz",
    }
)


class TwoFactorRequiredMiddleware:
    """Send a signed-in user who needs a second factor, and has not used one in this session, to finish signing in.

    Goes after django_otp's OTPMiddleware. No device yet: to enrolment; a
    device: to the verify step. API paths (/api/) answer 403 JSON instead of
    a redirect. Static files never get here (WhiteNoise answers them first);
    the STATIC_URL prefix is let through for setups that serve them from Django.
    Users who do not need a second factor pass, whether or not they have one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not requires_two_factor(user):
            return None
        if user_is_verified(user):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_URL_NAMES:
            return None
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        has_device = user_has_second_factor(user=user)
        if request.path_info.startswith("/api/"):
            message = (
                _("Your role requires two-factor sign-in: sign in with your authenticator code in the browser first.")
                if has_device
                else _("Your role requires two-factor sign-in: set it up in the browser first.")
            )
            return JsonResponse({"detail": message}, status=403)
        target = reverse("accounts:sign_in_verify" if has_device else "accounts:two_factor_enrol")
        if request.method in ("GET", "HEAD"):
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(target)


class UserTimeZoneMiddleware:
    """Activate the signed-in user's display time zone for this request; anyone else gets settings.TIME_ZONE.

    Goes after AuthenticationMiddleware. The active zone is thread-local, so it
    is reset after every response: a worker thread must not carry one user's
    zone into the next request. The API (/api/) speaks UTC, whoever asks: its
    times are RFC 3339 instants, and a time without an offset is read as UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if request.path.startswith("/api/"):
            timezone.activate(UTC)
        elif user.is_authenticated and user.time_zone:
            timezone.activate(user_time_zone(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
