"""Test helpers for signing in; usable from any test module.

    from tests.accounts.helpers import login_verified

    login_verified(client, reviewer)   # instead of client.force_login(reviewer)

Reviewers, leads and site admins must have used a second factor in their
session (apps.accounts.middleware); ``login_verified`` gives them one without
going through the sign-in forms.
"""

from __future__ import annotations

from binascii import unhexlify
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.models import User

# The password tests.factories.UserFactory gives every user.
PASSWORD = "a-long-test-password"


def totp_device_for(user: User) -> Any:
    """The user's confirmed authenticator device, created if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device


def login_verified(client: Client, user: User) -> Any:
    """Sign ``user`` in on ``client`` with a session marked OTP-verified, as after a real second factor.

    This is what django_otp.login() does: store the device's persistent id
    under DEVICE_ID_SESSION_KEY; OTPMiddleware then sets ``user.otp_device``
    on every request, and ``is_verified()`` is true. Returns the device.
    """
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def code_for(key: str, *, steps_ahead: int = 0) -> str:
    """The TOTP code an authenticator app shows for a hex key (``steps_ahead`` 30-second steps later)."""
    return f"{totp(unhexlify(key), drift=steps_ahead):06d}"


def device_code(device: Any, *, steps_ahead: int = 0) -> str:
    return code_for(device.key, steps_ahead=steps_ahead)
