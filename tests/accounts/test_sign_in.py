"""Two-step sign-in: password, then (for users with a second factor) an authenticator or recovery code."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent, User
from apps.accounts.security import recovery_codes_issue, recovery_codes_remaining
from apps.accounts.views import PENDING_SESSION_KEY
from tests.accounts.helpers import PASSWORD, device_code, totp_device_for

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"


def _password_step(client: Client, user: User, *, next_url: str = "") -> str:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    return str(response["Location"])


def _kinds(user: User) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_urls_keep_their_names() -> None:
    assert reverse("login") == LOGIN
    assert reverse("logout") == "/accounts/logout/"
    assert reverse("accounts:sign_in_verify") == VERIFY


def test_sign_in_page_renders(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"


def test_password_alone_signs_in_user_without_second_factor(client: Client, investigator: User) -> None:
    assert _password_step(client, investigator) == "/"
    assert client.session["_auth_user_id"] == str(investigator.pk)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN)
    assert (event.user, event.username, event.ip_address, event.details) == (
        investigator,
        investigator.username,
        "127.0.0.1",
        {"second_factor": "none"},
    )


def test_password_alone_does_not_sign_in_user_with_authenticator(client: Client, investigator: User) -> None:
    totp_device_for(investigator)
    assert _password_step(client, investigator) == VERIFY
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert _kinds(investigator) == []


def test_totp_code_completes_sign_in_and_verifies_session(client: Client, reviewer: User) -> None:
    device = totp_device_for(reviewer)
    _password_step(client, reviewer, next_url="/accounts/security/")
    response = client.post(VERIFY, {"code": device_code(device)})
    assert (response.status_code, response["Location"]) == (302, "/accounts/security/")
    assert client.session["_auth_user_id"] == str(reviewer.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_SESSION_KEY not in client.session
    assert client.get("/").status_code == 200
    assert SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN).details == {"second_factor": "totp"}


def test_same_totp_code_cannot_be_used_twice(client: Client, reviewer: User) -> None:
    device = totp_device_for(reviewer)
    code = device_code(device)
    _password_step(client, reviewer)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    other = Client()
    _password_step(other, reviewer)
    assert other.post(VERIFY, {"code": code}).status_code == 200
    assert "_auth_user_id" not in other.session


def test_wrong_code_is_refused_and_logged(client: Client, reviewer: User) -> None:
    device = totp_device_for(reviewer)
    wrong = f"{(int(device_code(device)) + 500_000) % 1_000_000:06d}"
    _password_step(client, reviewer)
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["That code is not right, or was already used. Try the newest code."]
    }
    assert "_auth_user_id" not in client.session
    event = SecurityEvent.objects.get(kind=SecurityEventKind.TWO_FACTOR_FAILED)
    assert (event.user, event.details) == (reviewer, {"step": "sign_in", "throttled": False})
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).count() == 0


def test_repeated_wrong_codes_are_throttled(client: Client, reviewer: User, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = totp_device_for(reviewer)
    _password_step(client, reviewer)
    client.post(VERIFY, {"code": "000000" if device_code(device) != "000000" else "111111"})
    response = client.post(VERIFY, {"code": device_code(device)})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["Too many wrong codes. Wait a few seconds, then try the newest code."]
    }


def test_recovery_code_works_once_only(client: Client, reviewer: User) -> None:
    totp_device_for(reviewer)
    codes = recovery_codes_issue(user=reviewer)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    _password_step(client, reviewer)
    response = client.post(VERIFY, {"code": codes[3].upper()})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert SecurityEvent.objects.get(kind=SecurityEventKind.LOGIN).details == {"second_factor": "recovery_code"}
    assert recovery_codes_remaining(user=reviewer) == 9

    again = Client()
    _password_step(again, reviewer)
    response = again.post(VERIFY, {"code": codes[3]})
    assert response.status_code == 200
    assert "_auth_user_id" not in again.session


def test_verify_step_without_password_step_goes_back_to_sign_in(client: Client) -> None:
    response = client.get(VERIFY)
    assert (response.status_code, response["Location"]) == (302, LOGIN)


def test_pending_sign_in_expires_after_five_minutes(client: Client, reviewer: User) -> None:
    device = totp_device_for(reviewer)
    _password_step(client, reviewer)
    session = client.session
    session[PENDING_SESSION_KEY] = {**session[PENDING_SESSION_KEY], "at": time.time() - 301}
    session.save()
    response = client.post(VERIFY, {"code": device_code(device)})
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert "_auth_user_id" not in client.session


def test_offsite_next_is_ignored(client: Client, investigator: User) -> None:
    assert _password_step(client, investigator, next_url="https://evil.example/") == "/"


def test_failed_password_is_logged_with_the_username_typed(client: Client, investigator: User) -> None:
    response = client.post(LOGIN, {"username": investigator.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.username) == (
        SecurityEventKind.LOGIN_FAILED,
        investigator,
        investigator.username,
    )
    assert "wrong-password" not in str(event.details)


def test_failed_sign_in_for_unknown_username_is_logged(client: Client, db: None) -> None:
    client.post(LOGIN, {"username": "nobody-here", "password": "whatever-it-is"})
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.username) == (SecurityEventKind.LOGIN_FAILED, None, "nobody-here")


def test_sign_out_is_logged(client: Client, investigator: User) -> None:
    _password_step(client, investigator)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert _kinds(investigator) == [SecurityEventKind.LOGIN, SecurityEventKind.LOGOUT]
