"""Sign-in in two steps, second-factor enrolment, recovery codes, and the user's security page.

Sign-in: the password step (``sign_in``) logs the user in at once only when
they have no second factor. Otherwise it keeps the half-signed-in user id in
the session (for PENDING_MAX_AGE seconds) and the verify step (``sign_in_verify``)
logs them in after a valid authenticator or recovery code: a session is never
authenticated on the password alone for a user who has a second factor.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import Error as BinasciiError
from binascii import unhexlify
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from apps.accounts.forms import CodeForm, OwnPasswordChangeForm, SignInCodeForm, SignInForm, TimeZoneForm
from apps.accounts.models import User
from apps.accounts.permissions import requires_two_factor
from apps.accounts.security import (
    recovery_codes_issue,
    recovery_codes_remaining,
    second_factor_check,
    security_events_recent,
    totp_config_url,
    totp_device_confirm,
    totp_key_new,
    two_factor_remove,
    user_has_second_factor,
    user_has_totp,
    user_is_verified,
    user_password_change,
)
from apps.accounts.timezones import user_time_zone, user_time_zone_set

if TYPE_CHECKING:
    from apps.accounts.models import User as UserType

PENDING_SESSION_KEY = "custos_pending_sign_in"
ENROL_KEY_SESSION_KEY = "custos_totp_enrol_key"
# The second step must follow the password within this many seconds.
PENDING_MAX_AGE = 5 * 60


def _safe_next(request: HttpRequest, value: str | None = None) -> str:
    """The ``next`` target if it is a path on this site, else ""."""
    target = value if value is not None else request.POST.get("next", request.GET.get("next", ""))
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _after_sign_in(next_url: str) -> HttpResponseRedirect:
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _pending_user(request: HttpRequest) -> tuple[UserType, dict[str, Any]] | None:
    """The user who passed the password step in this session and has not yet given their code, if recent."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > PENDING_MAX_AGE:
        del request.session[PENDING_SESSION_KEY]
        return None
    user_id = pending.get("user")
    user = User.objects.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if user is None:
        del request.session[PENDING_SESSION_KEY]
        return None
    return user, pending


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step one: username and password (django-axes counts failures through authenticate())."""
    next_url = _safe_next(request)
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if user_has_second_factor(user=user):
            # Against session fixation: the half-signed-in state gets a fresh session key too.
            request.session.cycle_key()
            request.session[PENDING_SESSION_KEY] = {
                "user": user.pk,
                "backend": getattr(user, "backend", ""),
                "at": time.time(),
                "next": next_url,
            }
            return redirect("accounts:sign_in_verify")
        auth_login(request, user)
        return _after_sign_in(next_url)
    return render(request, "registration/login.html", {"form": form, "next": next_url})


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def sign_in_verify(request: HttpRequest) -> HttpResponse:
    """Step two: an authenticator code or a recovery code.

    Also asked of a signed-in user whose session is not verified yet (the
    middleware sends reviewers, leads and admins here).
    """
    pending = _pending_user(request)
    if pending is not None:
        user, data = pending
        next_url = _safe_next(request, data.get("next") or None) or _safe_next(request)
    elif request.user.is_authenticated:
        user = request.user
        next_url = _safe_next(request)
        if user_is_verified(request.user):
            return _after_sign_in(next_url)
        if not user_has_second_factor(user=user):
            return redirect(_with_next("accounts:two_factor_enrol", next_url))
    else:
        messages.info(request, _("Please sign in again: the sign-in was not completed in time."))
        return redirect("login")

    form = SignInCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = second_factor_check(user=user, code=form.cleaned_data["code"], request=request)
        if check.device is not None:
            if pending is not None:
                del request.session[PENDING_SESSION_KEY]
                # django-otp marks the session verified when the user carries the device
                # at login; the security log reads it too.
                user.otp_device = check.device  # type: ignore[attr-defined]
                auth_login(request, user, backend=pending[1].get("backend") or None)
            otp_login(request, check.device)
            return _after_sign_in(next_url)
        if check.throttled:
            form.add_error("code", _("Too many wrong codes. Wait a few seconds, then try the newest code."))
        else:
            form.add_error("code", _("That code is not right, or was already used. Try the newest code."))
    return render(
        request,
        "accounts/sign_in_verify.html",
        {"form": form, "next": next_url, "username": user.get_username()},
    )


def _qr_data_uri(text: str) -> str:
    """The QR code as an SVG data: URI (allowed by the CSP's img-src; no script, no extra request)."""
    uri: str = segno.make(text, error="m").svg_data_uri(scale=5, border=2)
    return uri


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def _enrol_key(request: HttpRequest) -> str:
    """The secret offered on the enrolment page, kept in the session until confirmed (no device is saved before)."""
    key = request.session.get(ENROL_KEY_SESSION_KEY)
    if isinstance(key, str):
        try:
            if len(unhexlify(key)) == 20:
                return key
        except (BinasciiError, ValueError):
            pass
    key = totp_key_new()
    request.session[ENROL_KEY_SESSION_KEY] = key
    return key


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: show the secret and its QR code, confirm with a code, then show recovery codes.

    A user who already has a second factor must have used it in this session
    first; otherwise someone with only the password could add their own device.
    """
    user: UserType = request.user  # type: ignore[assignment]
    next_url = _safe_next(request)
    if user_has_second_factor(user=user) and not user_is_verified(user):
        return redirect(_with_next("accounts:sign_in_verify", next_url))
    key = _enrol_key(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = totp_device_confirm(user=user, key=key, code=form.cleaned_data["code"], request=request)
        if device is not None:
            del request.session[ENROL_KEY_SESSION_KEY]
            otp_login(request, device)
            codes = recovery_codes_issue(user=user, request=request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "enrolled": True, "next": next_url},
            )
        form.add_error(
            "code",
            _("That code does not match. Check that your phone's clock is right, then enter the newest code."),
        )
    return render(
        request,
        "accounts/two_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "secret": _grouped(b32encode(unhexlify(key)).decode("ascii")),
            "qr_code": _qr_data_uri(totp_config_url(user=user, key=key)),
            "replacing": user_has_totp(user=user),
            "required": requires_two_factor(user),
        },
    )


def _verified_or_redirect(request: HttpRequest) -> HttpResponse | None:
    """A redirect to the verify step when the user has a second factor not yet used in this session."""
    user: UserType = request.user  # type: ignore[assignment]
    if user_has_second_factor(user=user) and not user_is_verified(user):
        return redirect(_with_next("accounts:sign_in_verify", reverse("accounts:security")))
    return None


@login_required
@never_cache
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """Issue ten new recovery codes (the old ones stop working) and show them once."""
    user: UserType = request.user  # type: ignore[assignment]
    if (refused := _verified_or_redirect(request)) is not None:
        return refused
    if not user_has_totp(user=user):
        return redirect("accounts:two_factor_enrol")
    codes = recovery_codes_issue(user=user, request=request)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": False, "next": ""})


@login_required
@never_cache
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn off a voluntary second factor. Refused for reviewers, leads and admins, who must keep one."""
    user: UserType = request.user  # type: ignore[assignment]
    if (refused := _verified_or_redirect(request)) is not None:
        return refused
    if requires_two_factor(user):
        messages.error(request, _("Your role requires two-factor sign-in, so it cannot be turned off."))
        return redirect("accounts:security")
    two_factor_remove(user=user, request=request)
    messages.success(request, _("Two-factor sign-in is now off."))
    return redirect("accounts:security")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; other sessions of the user end, this one stays signed in and verified."""
    user: UserType = request.user  # type: ignore[assignment]
    form = OwnPasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user_password_change(user=user, new_password=form.cleaned_data["new_password1"], request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:security")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "HEAD"])
def security(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in security: second factor, recovery codes left, recent security events."""
    user: UserType = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/security.html",
        {
            "has_totp": user_has_totp(user=user),
            "required": requires_two_factor(user),
            "verified": user_is_verified(user),
            "recovery_codes_left": recovery_codes_remaining(user=user),
            "events": security_events_recent(user=user),
            "current_zone": user_time_zone(user).key,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The user's display preferences: the time zone pages show times in (the language is the switcher's)."""
    user: UserType = request.user  # type: ignore[assignment]
    form = TimeZoneForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        user_time_zone_set(user=user, time_zone=form.cleaned_data["time_zone"])
        messages.success(request, _("Your time zone is saved."))
        return redirect("accounts:preferences")
    return render(
        request, "accounts/preferences.html", {"form": form, "zone": user_time_zone(user), "now": timezone.now()}
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a translated page with HTTP 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
