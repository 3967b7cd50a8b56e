"""Security headers, cookie flags, CSRF, and the password hasher."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from apps.accounts.models import User
from tests.accounts.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "connect-src": "'self'",
}


def _directives(header: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";"))
    return {pair[0]: pair[1] for pair in pairs}


def test_pages_carry_exactly_the_content_security_policy(client: Client, investigator: User) -> None:
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    assert _directives(header) == POLICY
    assert len(header.split(";")) == len(POLICY)
    assert "unsafe" not in header
    client.force_login(investigator)
    assert _directives(client.get("/")["Content-Security-Policy"]) == POLICY


def test_other_security_headers(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # only with SERVED_OVER_HTTPS


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite(client: Client, investigator: User) -> None:
    page = client.get("/accounts/login/")
    csrf = page.cookies["csrftoken"]
    assert (bool(csrf["secure"]), csrf["samesite"]) == (True, "Lax")
    response = client.post("/accounts/login/", {"username": investigator.username, "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert (bool(session["secure"]), bool(session["httponly"]), session["samesite"]) == (True, True, "Lax")
    assert session["max-age"] == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False


def test_post_without_csrf_token_is_refused(investigator: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": investigator.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_post_with_csrf_token_is_accepted(investigator: User) -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/accounts/login/").cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/",
        {"username": investigator.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert (response.status_code, response["Location"]) == (302, "/")


def test_new_passwords_are_hashed_with_argon2(db: None) -> None:
    user = UserFactory()
    user.set_password("another long password")
    user.save()
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.password.startswith("argon2$argon2id$")


def test_password_validators_are_configured() -> None:
    assert [validator["NAME"].rsplit(".", 1)[-1] for validator in settings.AUTH_PASSWORD_VALIDATORS] == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
