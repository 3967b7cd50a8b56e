"""Enrolment of an authenticator app, recovery codes, turning a voluntary second factor off, password change."""

from __future__ import annotations

from base64 import b32encode

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent, User
from apps.accounts.security import recovery_code_normalise, recovery_codes_issue, recovery_codes_remaining
from apps.accounts.views import ENROL_KEY_SESSION_KEY
from tests.accounts.helpers import PASSWORD, code_for, device_code, login_verified, totp_device_for

pytestmark = pytest.mark.django_db

ENROL = "/accounts/security/two-factor/"
SECURITY = "/accounts/security/"


def _kinds(user: User) -> list[str]:
    """The user's security events other than sign-ins (force_login signs in, too)."""
    events = SecurityEvent.objects.filter(user=user).exclude(kind=SecurityEventKind.LOGIN).order_by("id")
    return list(events.values_list("kind", flat=True))


def test_enrolment_round_trip_with_a_real_code(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    page = client.get(ENROL)
    assert page.status_code == 200
    key = client.session[ENROL_KEY_SESSION_KEY]
    assert page.context["qr_code"].startswith("data:image/svg+xml;charset=utf-8,%3Csvg")
    assert page.context["secret"].replace(" ", "") == b32encode(bytes.fromhex(key)).decode()
    assert TOTPDevice.objects.filter(user=reviewer).count() == 0

    response = client.post(ENROL, {"code": code_for(key)})

    assert response.status_code == 200
    assert response.templates[0].name == "accounts/recovery_codes.html"
    codes = response.context["codes"]
    assert len(codes) == 10
    assert all(len(recovery_code_normalise(code)) == 16 for code in codes)
    device = TOTPDevice.objects.get(user=reviewer)
    assert (device.key, device.confirmed) == (key, True)
    assert sorted(StaticToken.objects.filter(device__user=reviewer).values_list("token", flat=True)) == sorted(
        recovery_code_normalise(code) for code in codes
    )
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert ENROL_KEY_SESSION_KEY not in client.session
    assert client.get(SECURITY).status_code == 200
    assert _kinds(reviewer) == [SecurityEventKind.TWO_FACTOR_ENROLLED, SecurityEventKind.RECOVERY_CODES_ISSUED]


def test_the_enrolment_code_cannot_then_open_a_sign_in(client: Client, investigator: User) -> None:
    client.force_login(investigator)
    client.get(ENROL)
    code = code_for(client.session[ENROL_KEY_SESSION_KEY])
    client.post(ENROL, {"code": code})
    other = Client()
    other.post("/accounts/login/", {"username": investigator.username, "password": PASSWORD})
    assert other.post("/accounts/login/verify/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in other.session


def test_enrolment_with_a_wrong_code_is_refused_and_logged(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    client.get(ENROL)
    key = client.session[ENROL_KEY_SESSION_KEY]
    wrong = f"{(int(code_for(key)) + 500_000) % 1_000_000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "code": ["That code does not match. Check that your phone's clock is right, then enter the newest code."]
    }
    assert TOTPDevice.objects.filter(user=reviewer).count() == 0
    assert client.session[ENROL_KEY_SESSION_KEY] == key
    event = SecurityEvent.objects.get(user=reviewer, kind=SecurityEventKind.TWO_FACTOR_FAILED)
    assert event.details == {"step": "enrolment"}


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "1234567", "١٢٣٤٥٦"])
def test_enrolment_with_malformed_code_gets_an_error_not_a_crash(client: Client, investigator: User, code: str) -> None:
    client.force_login(investigator)
    client.get(ENROL)
    response = client.post(ENROL, {"code": code})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["code"]


def test_password_alone_cannot_add_a_second_authenticator(client: Client, investigator: User) -> None:
    """Someone who knows only the password must not be able to enrol their own phone."""
    totp_device_for(investigator)
    client.force_login(investigator)  # e.g. a session from before the device was added
    response = client.get(ENROL)
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/verify/")
    assert client.post(ENROL, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=investigator).count() == 1


def test_verified_user_can_replace_their_authenticator(client: Client, reviewer: User) -> None:
    old = login_verified(client, reviewer)
    client.get(ENROL)
    key = client.session[ENROL_KEY_SESSION_KEY]
    assert client.post(ENROL, {"code": code_for(key)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=reviewer).values_list("key", flat=True)) == [key]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get(SECURITY).status_code == 200


def test_regenerating_recovery_codes_replaces_the_old_ones(client: Client, reviewer: User) -> None:
    login_verified(client, reviewer)
    old = recovery_codes_issue(user=reviewer)
    response = client.post("/accounts/security/recovery-codes/")
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    assert recovery_codes_remaining(user=reviewer) == 10
    assert not StaticToken.objects.filter(token__in=[recovery_code_normalise(code) for code in old]).exists()
    assert _kinds(reviewer)[-2:] == [SecurityEventKind.RECOVERY_CODES_ISSUED, SecurityEventKind.RECOVERY_CODES_ISSUED]


def test_regenerating_recovery_codes_needs_a_verified_session(client: Client, investigator: User) -> None:
    totp_device_for(investigator)
    client.force_login(investigator)
    response = client.post("/accounts/security/recovery-codes/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/verify/?next=%2Faccounts%2Fsecurity%2F",
    )
    assert recovery_codes_remaining(user=investigator) == 0


def test_regenerating_recovery_codes_refuses_get(client: Client, reviewer: User) -> None:
    login_verified(client, reviewer)
    assert client.get("/accounts/security/recovery-codes/").status_code == 405


def test_investigator_may_turn_a_voluntary_second_factor_off(client: Client, investigator: User) -> None:
    login_verified(client, investigator)
    recovery_codes_issue(user=investigator)
    response = client.post("/accounts/security/two-factor/off/")
    assert (response.status_code, response["Location"]) == (302, SECURITY)
    assert TOTPDevice.objects.filter(user=investigator).count() == 0
    assert recovery_codes_remaining(user=investigator) == 0
    assert _kinds(investigator)[-1] == SecurityEventKind.TWO_FACTOR_REMOVED


def test_reviewer_cannot_turn_the_second_factor_off(client: Client, reviewer: User) -> None:
    login_verified(client, reviewer)
    response = client.post("/accounts/security/two-factor/off/")
    assert (response.status_code, response["Location"]) == (302, SECURITY)
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_security_page_shows_the_users_own_state(client: Client, reviewer: User, investigator: User) -> None:
    device = login_verified(client, reviewer)
    recovery_codes_issue(user=reviewer)
    response = client.get(SECURITY)
    assert response.status_code == 200
    assert (
        response.context["has_totp"],
        response.context["required"],
        response.context["verified"],
        response.context["recovery_codes_left"],
    ) == (True, True, True, 10)
    assert [event.kind for event in response.context["events"]] == [
        SecurityEventKind.RECOVERY_CODES_ISSUED,
        SecurityEventKind.LOGIN,
    ]
    assert device_code(device)  # the helper's device is a real TOTP device


def test_password_change_uses_validators_argon2_and_is_logged(client: Client, investigator: User) -> None:
    client.force_login(investigator)
    url = "/accounts/security/password/"
    weak = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert weak.context["form"].errors["new_password2"] == [
        "This password is too short. It must contain at least 12 characters.",
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    new = "correct horse battery staple 42"
    response = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert (response.status_code, response["Location"]) == (302, SECURITY)
    investigator.refresh_from_db()
    assert investigator.password.startswith("argon2$argon2id$")
    assert investigator.check_password(new)
    assert _kinds(investigator) == [SecurityEventKind.PASSWORD_CHANGED]
    assert client.get(SECURITY).status_code == 200  # this session stays signed in
