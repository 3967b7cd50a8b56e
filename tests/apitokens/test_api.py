"""GET/POST /api/v1/auth/tokens/ and POST /api/v1/auth/tokens/<id>/revoke/."""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from tests.accounts.helpers import login_verified
from tests.apitokens.conftest import Issued, issue
from tests.factories import CaseFactory
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/auth/tokens/"
JSON = "application/json"


def _revoke_url(token: ApiToken) -> str:
    return reverse("api:auth-token-revoke", kwargs={"token_id": token.pk})


def test_the_routes_live_under_api_v1_auth(read_token_a: Issued) -> None:
    assert (reverse("api:auth-tokens"), _revoke_url(read_token_a.token)) == (
        LIST_URL,
        f"/api/v1/auth/tokens/{read_token_a.token.pk}/revoke/",
    )


def test_post_creates_a_token_and_returns_its_secret_once(
    client: Client, alice: User, case_a: Case, case_b: Case
) -> None:
    client.force_login(alice)

    response = client.post(
        LIST_URL,
        {"name": "Archiver", "cases": [str(case_a.pk), str(case_b.pk)], "access": "write"},
        content_type=JSON,
    )

    assert (response.status_code, response["Cache-Control"]) == (201, "no-store")
    body = response.json()
    token = ApiToken.objects.get()
    assert body == {
        "id": str(token.pk),
        "name": "Archiver",
        "key_prefix": body["secret"][:8],
        "access": "write",
        "cases": sorted([str(case_a.pk), str(case_b.pk)]),
        "created_at": token.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "expires_at": None,
        "revoked_at": None,
        "last_used_at": None,
        "secret": body["secret"],
    }
    assert token.key_hash == hashlib.sha256(body["secret"].encode()).hexdigest()
    listed = client.get(LIST_URL).json()
    assert [sorted(entry) for entry in listed["results"]] == [sorted(set(body) - {"secret"})]


def test_the_created_secret_authenticates(client: Client, alice: User, case_a: Case) -> None:
    client.force_login(alice)
    secret = client.post(LIST_URL, {"name": "Archiver", "cases": [str(case_a.pk)]}, content_type=JSON).json()["secret"]

    response = Client().get(LIST_URL, headers={"Authorization": f"Bearer {secret}"})

    assert (response.status_code, [entry["name"] for entry in response.json()["results"]]) == (200, ["Archiver"])


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "x", "cases": []}, [("/cases", "This list may not be empty.")]),
        ({"name": "", "cases": ["CASE_A"]}, [("/name", "This field may not be blank.")]),
        ({"name": "x", "cases": ["not-a-uuid"]}, [("/cases/0", "Must be a valid UUID.")]),
        ({"name": "x", "cases": ["CASE_A"], "access": "root"}, [("/access", '"root" is not a valid choice.')]),
        ({"name": "x", "cases": ["CASE_C"]}, [("/cases", "You can only choose cases you are a member of.")]),
        (
            {"name": "x", "cases": ["00000000-0000-0000-0000-000000000000"]},
            [("/cases", "You can only choose cases you are a member of.")],
        ),
        (
            {"name": "x", "cases": ["CASE_A"], "expires_at": "2000-01-01T00:00:00Z"},
            [("/expires_at", "The expiry must be in the future.")],
        ),
    ],
)
def test_post_refuses_bad_input_with_field_errors(
    client: Client, alice: User, case_a: Case, data: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    case_c = CaseFactory(reference="TOKENS-C")
    names = {"CASE_A": str(case_a.pk), "CASE_C": str(case_c.pk)}
    data = {**data, "cases": [names.get(value, value) for value in data["cases"]]}
    client.force_login(alice)

    response = client.post(LIST_URL, data, content_type=JSON)

    assert response.status_code == 400
    assert [(error["pointer"], error["detail"]) for error in problem(response)["errors"]] == errors
    assert ApiToken.objects.count() == 0


def test_a_read_token_cannot_create_a_token(client: Client, case_a: Case, read_token_a: Issued) -> None:
    response = client.post(
        LIST_URL, {"name": "child", "cases": [str(case_a.pk)]}, content_type=JSON, headers=read_token_a.headers
    )

    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_write_token_cannot_create_a_token_for_a_case_outside_its_own(
    client: Client, case_b: Case, write_token_a: Issued
) -> None:
    response = client.post(
        LIST_URL, {"name": "child", "cases": [str(case_b.pk)]}, content_type=JSON, headers=write_token_a.headers
    )

    assert (response.status_code, field_errors(response)) == (
        400,
        {"cases": ["You can only choose cases you are a member of."]},
    )


def test_a_write_token_creates_a_token_within_its_own_scope(
    client: Client, case_a: Case, write_token_a: Issued
) -> None:
    response = client.post(
        LIST_URL,
        {"name": "child", "cases": [str(case_a.pk)], "access": "read"},
        content_type=JSON,
        headers=write_token_a.headers,
    )

    assert (response.status_code, response.json()["cases"], response.json()["access"]) == (
        201,
        [str(case_a.pk)],
        "read",
    )


def test_a_token_lists_only_tokens_within_its_own_cases(
    client: Client, alice: User, case_a: Case, case_b: Case, read_token_a: Issued
) -> None:
    issue(alice, [case_b], name="case B only")
    issue(alice, [case_a, case_b], name="both")

    response = client.get(LIST_URL, headers=read_token_a.headers)

    assert [entry["name"] for entry in response.json()["results"]] == ["script"]


def test_revoke_stops_the_token(client: Client, alice: User, item_a: Any, read_token_a: Issued) -> None:
    client.force_login(alice)

    response = client.post(_revoke_url(read_token_a.token))

    assert (response.status_code, response.json()["revoked_at"] is not None) == (200, True)
    refused = Client().get(LIST_URL, headers=read_token_a.headers)
    assert (refused.status_code, problem(refused)["detail"]) == (401, "This token has been revoked.")


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_another_users_token_cannot_be_revoked_and_answers_404(
    client: Client, request: pytest.FixtureRequest, read_token_a: Issued, who: str
) -> None:
    login_verified(client, request.getfixturevalue(who))

    response = client.post(_revoke_url(read_token_a.token))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=read_token_a.token.pk).revoked_at is None


def test_a_user_lists_only_their_own_tokens(client: Client, bob: User, read_token_a: Issued) -> None:
    login_verified(client, bob)

    response = client.get(LIST_URL)

    assert (response.status_code, response.json()) == (200, {"next": None, "previous": None, "results": []})


def test_anonymous_gets_401(client: Client) -> None:
    assert (client.get(LIST_URL).status_code, client.post(LIST_URL).status_code) == (401, 401)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_endpoint_uses_the_same_queries_for_1_and_3_tokens(
    client: Client, alice: User, case_a: Case, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(rows):
        apitoken_create(
            owner=alice,
            name=f"t{number}",
            cases=[case_a],
            access=TokenAccess.READ,
            expires_at=timezone.now() + timedelta(days=1),
        )
    client.force_login(alice)

    with django_assert_num_queries(4):
        response = client.get(LIST_URL)

    assert len(response.json()["results"]) == rows


def test_the_list_filters_by_access_and_pages_with_cursors(client: Client, alice: User, case_a: Case) -> None:
    tokens = [issue(alice, [case_a], TokenAccess.WRITE, name=f"writer {number}").token for number in range(3)]
    issue(alice, [case_a], TokenAccess.READ, name="reader")
    client.force_login(alice)

    first = client.get(LIST_URL, {"access": "write", "page_size": 2, "fields": "name"}).json()
    second = client.get(first["next"]).json()
    invalid = client.get(LIST_URL, {"access": "root"})

    assert first["results"] + second["results"] == [
        {"id": str(token.pk), "name": token.name} for token in reversed(tokens)
    ]
    assert (first["previous"], second["next"]) == (None, None)
    assert (invalid.status_code, field_errors(invalid)) == (
        400,
        {"access": ["Select a valid choice. root is not one of the available choices."]},
    )


def test_revoking_twice_changes_nothing_the_second_time(client: Client, alice: User, read_token_a: Issued) -> None:
    client.force_login(alice)

    first = client.post(_revoke_url(read_token_a.token))
    second = client.post(_revoke_url(read_token_a.token))

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert second.json()["revoked_at"] is not None


def test_a_read_token_cannot_revoke_a_token(client: Client, read_token_a: Issued, write_token_a: Issued) -> None:
    response = client.post(_revoke_url(write_token_a.token), headers=read_token_a.headers)

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "This API token is read-only: it cannot change anything. Use a token with write access.",
    )
    assert ApiToken.objects.get(pk=write_token_a.token.pk).revoked_at is None


def test_a_token_cannot_revoke_a_token_outside_its_cases(
    client: Client, alice: User, case_b: Case, write_token_a: Issued
) -> None:
    other = issue(alice, [case_b], name="case B only")

    response = client.post(_revoke_url(other.token), headers=write_token_a.headers)

    assert problem(response)["status"] == 404
    assert ApiToken.objects.get(pk=other.token.pk).revoked_at is None
