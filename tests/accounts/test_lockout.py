"""Repeated failed sign-ins lock one username out from one address (django-axes)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent, User
from tests.accounts.helpers import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "not-the-password"}, REMOTE_ADDR=address)
        assert response.status_code == 200


def test_fifth_failure_locks_out_with_a_429_page_and_a_security_event(client: Client, investigator: User) -> None:
    _fail(client, investigator.username, 4)
    response = client.post(
        LOGIN, {"username": investigator.username, "password": "not-the-password"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    # The sign-in page was rendered first; django-axes' middleware replaced it.
    assert [t.name for t in response.templates if t.name.startswith("accounts/")] == ["accounts/locked_out.html"]
    assert response.context["minutes"] == 30
    assert "Signing in to this account from here is blocked for 30 minutes" in response.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.LOCKED_OUT)
    assert (event.user, event.username, event.ip_address) == (investigator, investigator.username, "10.0.0.1")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN_FAILED).count() == 5


def test_right_password_is_refused_during_lockout(client: Client, investigator: User) -> None:
    _fail(client, investigator.username, 4)
    client.post(LOGIN, {"username": investigator.username, "password": "nope"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(LOGIN, {"username": investigator.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN).count() == 0


def test_lockout_is_per_username_and_address(client: Client, investigator: User, observer: User) -> None:
    _fail(client, investigator.username, 4)
    client.post(LOGIN, {"username": investigator.username, "password": "nope"}, REMOTE_ADDR="10.0.0.1")
    other_address = Client().post(
        LOGIN, {"username": investigator.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert (other_address.status_code, other_address["Location"]) == (302, "/")
    other_user = Client().post(LOGIN, {"username": observer.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert (other_user.status_code, other_user["Location"]) == (302, "/")


def test_success_resets_the_failure_count(client: Client, investigator: User) -> None:
    _fail(client, investigator.username, 4)
    assert (
        client.post(LOGIN, {"username": investigator.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")[
            "Location"
        ]
        == "/"
    )
    _fail(Client(), investigator.username, 4)


def test_limit_and_cool_off_follow_settings(client: Client, investigator: User, settings: object) -> None:
    settings.AXES_FAILURE_LIMIT = 2  # type: ignore[attr-defined]
    _fail(client, investigator.username, 1)
    response = client.post(LOGIN, {"username": investigator.username, "password": "nope"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429


def test_xhr_lockout_gets_the_same_page_without_a_cors_header(client: Client, investigator: User) -> None:
    _fail(client, investigator.username, 4)
    response = client.post(
        LOGIN,
        {"username": investigator.username, "password": "nope"},
        REMOTE_ADDR="10.0.0.1",
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 429
    assert "Access-Control-Allow-Origin" not in response
