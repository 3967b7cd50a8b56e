"""Sign-in security: second factors (TOTP and recovery codes) and password changes.

These are services in the sense of docs/architecture.md (writes, keyword-only
arguments, in a transaction, with their security event); they live apart from
``services.py`` only because they are the one place that knows django-otp.

A user's second factors are at most one confirmed TOTP device (an authenticator
app) and one static device holding their single-use recovery codes. Recovery
codes are stored as django-otp stores them (in clear, like the TOTP key); they
are shown to the user once, when issued.
"""

from __future__ import annotations

import time
from binascii import unhexlify
from dataclasses import dataclass
from secrets import token_bytes
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django_otp import devices_for_user
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent, User
from apps.accounts.services import security_event_record

if TYPE_CHECKING:
    from django.http import HttpRequest

RECOVERY_CODE_COUNT = 10
# 16 base32 characters (80 random bits), the most django-otp's token column holds.
RECOVERY_CODE_BYTES = 10
RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "authenticator"
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@dataclass(frozen=True)
class SecondFactorCheck:
    """The outcome of checking a code: the device that accepted it, or why none did."""

    device: Any | None
    method: str = ""
    throttled: bool = False


def totp_key_new() -> str:
    """A new random TOTP secret, hex-encoded as django-otp stores it (20 bytes, as RFC 4226 recommends)."""
    key: str = random_hex(20)
    return key


def totp_config_url(*, user: User, key: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code (built by django-otp, with the issuer)."""
    url: str = TOTPDevice(user=user, key=key).config_url
    return url


def _recovery_code_new() -> str:
    value = int.from_bytes(token_bytes(RECOVERY_CODE_BYTES), "big")
    return "".join(_BASE32[(value >> shift) & 31] for shift in range(75, -1, -5))


def recovery_code_normalise(code: str) -> str:
    """A recovery code as stored: lower case, without the spaces and dashes used to show it."""
    return "".join(code.split()).replace("-", "").lower()


def recovery_code_display(code: str) -> str:
    """A code in groups of four, easier to copy by hand: ``abcd-efgh-ijkl-mnop``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def user_has_second_factor(*, user: User) -> bool:
    """Whether sign-in asks this user for a second factor (a confirmed device of any kind)."""
    return user_has_totp(user=user) or _recovery_device(user) is not None


def user_is_verified(user: object) -> bool:
    """Whether the user has used a second factor in this session (django-otp's OTPMiddleware sets ``otp_device``)."""
    return getattr(user, "otp_device", None) is not None


def user_has_totp(*, user: User) -> bool:
    """Whether the user has a confirmed authenticator app."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def security_events_recent(*, user: User, limit: int = 10) -> list[SecurityEvent]:
    """The user's own latest security events, newest first (shown on their security page)."""
    return list(SecurityEvent.objects.filter(user=user).order_by("-occurred_at", "-id")[:limit])


def _recovery_device(user: User) -> Any | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True).first()


def recovery_codes_remaining(*, user: User) -> int:
    device = _recovery_device(user)
    return 0 if device is None else int(device.token_set.count())


def recovery_codes_issue(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's recovery codes with ten new ones and return them (the only time they are readable).

    Side effects: earlier codes stop working; a RECOVERY_CODES_ISSUED security event.
    """
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        device.token_set.bulk_create([device.token_set.model(device=device, token=code) for code in codes])
        security_event_record(
            kind=SecurityEventKind.RECOVERY_CODES_ISSUED,
            user=user,
            actor=user,
            request=request,
            details={"count": len(codes)},
        )
    return [recovery_code_display(code) for code in codes]


def totp_code_matches(*, key: str, code: str) -> bool:
    """Whether ``code`` is the current TOTP code (one step either side) for a key not yet saved on a device."""
    digits = code.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) == 6):
        return False
    totp = TOTP(unhexlify(key.encode()), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    return bool(totp.verify(int(digits), tolerance=1))


def totp_device_confirm(*, user: User, key: str, code: str, request: HttpRequest | None = None) -> Any | None:
    """Confirm enrolment of an authenticator app: when ``code`` matches ``key``, make it the user's TOTP device.

    Returns the new device, or None when the code does not match (nothing is written then but the event).
    Side effects: any earlier TOTP device of the user is deleted; a TWO_FACTOR_ENROLLED security event,
    or TWO_FACTOR_FAILED when the code is wrong.
    """
    with transaction.atomic():
        if not totp_code_matches(key=key, code=code):
            security_event_record(
                kind=SecurityEventKind.TWO_FACTOR_FAILED,
                user=user,
                request=request,
                details={"step": "enrolment"},
            )
            return None
        User.objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)
        # The code just used must not also open a sign-in.
        device.last_t = int(time.time()) // device.step
        device.save(update_fields=["last_t"])
        security_event_record(
            kind=SecurityEventKind.TWO_FACTOR_ENROLLED,
            user=user,
            actor=user,
            request=request,
            details={"device": "totp"},
        )
    return device


def second_factor_check(*, user: User, code: str, request: HttpRequest | None = None) -> SecondFactorCheck:
    """Check a sign-in code: a TOTP code from the authenticator app, else one of the recovery codes.

    A recovery code works once. django-otp throttles each device after a failure
    (1, 2, 4, ... seconds), so codes cannot be guessed at speed.
    Side effects: the used recovery code is deleted; a TWO_FACTOR_FAILED security event on failure.
    """
    cleaned = "".join(code.split())
    throttled = False
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            is_totp = isinstance(device, TOTPDevice)
            candidate = cleaned if is_totp else recovery_code_normalise(cleaned)
            if is_totp != (candidate.isascii() and candidate.isdigit()):
                continue
            allowed, _reason = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(candidate):
                return SecondFactorCheck(device=device, method="totp" if is_totp else "recovery_code")
    # Outside the block above: the throttling counters it saved must stay.
    security_event_record(
        kind=SecurityEventKind.TWO_FACTOR_FAILED,
        user=user,
        request=request,
        details={"step": "sign_in", "throttled": throttled},
    )
    return SecondFactorCheck(device=None, throttled=throttled)


def two_factor_remove(*, user: User, request: HttpRequest | None = None) -> None:
    """Remove the user's authenticator and recovery codes (only for users who do not need them; views check).

    Side effects: every OTP device of the user is deleted; a TWO_FACTOR_REMOVED security event.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        security_event_record(kind=SecurityEventKind.TWO_FACTOR_REMOVED, user=user, actor=user, request=request)


def user_password_change(*, user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """Set a new password (hashed with Argon2 by settings.PASSWORD_HASHERS); the caller has validated it.

    Side effects: a PASSWORD_CHANGED security event. Other sessions of the user
    end (their session hash no longer matches); the caller keeps the current one.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        security_event_record(kind=SecurityEventKind.PASSWORD_CHANGED, user=user, actor=user, request=request)
