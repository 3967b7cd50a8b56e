"""The security log's sign-in entries, written from Django's and django-axes' signals (connected in apps.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_otp.plugins.otp_static.models import StaticDevice

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import User
from apps.accounts.services import security_event_record

if TYPE_CHECKING:
    from django.http import HttpRequest


def _second_factor(user: User) -> str:
    device = getattr(user, "otp_device", None)
    if device is None:
        return "none"
    return "recovery_code" if isinstance(device, StaticDevice) else "totp"


def on_user_logged_in(sender: object, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    security_event_record(
        kind=SecurityEventKind.LOGIN, user=user, request=request, details={"second_factor": _second_factor(user)}
    )


def on_user_login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The username as typed (it may match no account); the password is never logged
    # (Django has already masked it in `credentials`).
    username = str(credentials.get("username") or "")[:150]
    user = User.objects.filter(username=username).first() if username else None
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, user=user, username=username, request=request)


def on_user_logged_out(sender: object, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    # `user` is None when the session had already expired: nothing to record then.
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user, request=request)


def on_user_locked_out(sender: object, request: HttpRequest | None, username: str | None, **kwargs: Any) -> None:
    name = str(username or "")[:150]
    user = User.objects.filter(username=name).first() if name else None
    security_event_record(kind=SecurityEventKind.LOCKED_OUT, user=user, username=name, request=request)
