"""Reviewers, leads and site admins reach nothing until their session has used a second factor."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.test import Client

from apps.accounts.models import User
from tests.accounts.helpers import login_verified, totp_device_for

pytestmark = pytest.mark.django_db

REQUIRED = ["reviewer", "lead", "staff", "superuser"]
NOT_REQUIRED = ["investigator", "observer"]


@pytest.mark.parametrize("who", REQUIRED)
def test_page_sends_user_without_device_to_enrolment(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.get("/?x=1")
    assert (response.status_code, response["Location"]) == (302, "/accounts/security/two-factor/?next=%2F%3Fx%3D1")


@pytest.mark.parametrize("who", REQUIRED)
def test_page_sends_user_with_device_to_verify_step(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    user = request.getfixturevalue(who)
    totp_device_for(user)
    client.force_login(user)
    response = client.get("/accounts/security/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/verify/?next=%2Faccounts%2Fsecurity%2F",
    )


@pytest.mark.parametrize("who", REQUIRED)
def test_post_is_redirected_without_next(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    response = client.post("/accounts/security/password/", {})
    assert (response.status_code, response["Location"]) == (302, "/accounts/security/two-factor/")


@pytest.mark.parametrize("who", REQUIRED)
def test_api_answers_403_json(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(f"/api/v1/evidence/{uuid4()}/custody/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role requires two-factor sign-in: set it up in the browser first."}
    totp_device_for(user)
    assert client.get(f"/api/v1/evidence/{uuid4()}/custody/").json() == {
        "detail": "Your role requires two-factor sign-in: sign in with your authenticator code in the browser first."
    }


@pytest.mark.parametrize("who", REQUIRED)
def test_verified_session_passes(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    login_verified(client, request.getfixturevalue(who))
    assert client.get("/").status_code == 200
    assert client.get(f"/api/v1/evidence/{uuid4()}/custody/").status_code == 404
    assert client.get("/accounts/security/").status_code == 200


@pytest.mark.parametrize("who", NOT_REQUIRED)
def test_not_required_for_investigator_and_observer(client: Client, request: pytest.FixtureRequest, who: str) -> None:
    client.force_login(request.getfixturevalue(who))
    assert client.get("/").status_code == 200
    assert client.get("/accounts/security/").status_code == 200
    assert client.get(f"/api/v1/evidence/{uuid4()}/custody/").status_code == 404


def test_exempt_pages_stay_reachable(client: Client, reviewer: User) -> None:
    client.force_login(reviewer)
    assert client.get("/accounts/security/two-factor/").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "uk", "next": "/"}).status_code == 302
    response = client.post("/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")


def test_anonymous_user_is_sent_to_sign_in_not_enrolment(client: Client, db: None) -> None:
    assert client.get("/accounts/security/")["Location"] == "/accounts/login/?next=/accounts/security/"


def test_becoming_a_reviewer_while_signed_in_requires_enrolment(client: Client, investigator: User) -> None:
    from apps.accounts.enums import CaseRole  # noqa: PLC0415
    from apps.accounts.services import membership_set  # noqa: PLC0415
    from apps.cases.models import Case  # noqa: PLC0415

    client.force_login(investigator)
    assert client.get("/").status_code == 200
    membership_set(case=Case.objects.get(), user=investigator, role=CaseRole.REVIEWER)
    assert client.get("/")["Location"] == "/accounts/security/two-factor/?next=%2F"
