"""The token page: list, create (the secret shown once), revoke."""

from __future__ import annotations

import hashlib
from datetime import timedelta
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
from tests.apitokens.conftest import Issued
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


def test_the_page_lives_under_accounts_tokens() -> None:
    assert reverse("apitokens:list") == PAGE


def test_the_form_offers_only_the_users_cases(client: Client, alice: User, case_a: Case, case_b: Case) -> None:
    CaseFactory(reference="NOT-HERS")
    client.force_login(alice)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert list(response.context["form"].fields["cases"].queryset) == [case_a, case_b]


def test_creating_shows_the_secret_once_and_stores_only_its_hash(client: Client, alice: User, case_a: Case) -> None:
    client.force_login(alice)

    response = client.post(PAGE, {"name": "Archiver", "cases": [case_a.pk], "access": "write"})

    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    assert (token.name, token.access, list(token.cases.all())) == ("Archiver", "write", [case_a])
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret in response.content.decode()
    again = client.get(PAGE)
    assert secret not in again.content.decode()
    assert token.key_prefix in again.content.decode()


def test_the_expiry_day_ends_the_token_at_the_end_of_that_day(client: Client, alice: User, case_a: Case) -> None:
    client.force_login(alice)
    day = timezone.localdate() + timedelta(days=3)

    client.post(PAGE, {"name": "Short", "cases": [case_a.pk], "access": "read", "expires_on": day.isoformat()})

    expires_at = ApiToken.objects.get().expires_at
    assert expires_at is not None
    assert timezone.localtime(expires_at).date() == day + timedelta(days=1)
    assert (timezone.localtime(expires_at).hour, timezone.localtime(expires_at).minute) == (0, 0)


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"name": "", "access": "read"}, "name", "This field is required."),
        (
            {"name": "x", "access": "read", "no_cases": True},
            "cases",
            "Choose at least one case: a token opens only the cases named on it.",
        ),
        ({"name": "x", "access": "read", "expires_on": "2000-01-01"}, "expires_on", "Choose today or a later day."),
        ({"name": "x", "access": "read", "expires_on": "yesterday"}, "expires_on", "Enter a valid date."),
        ({"name": "x", "access": "root"}, "access", "Select a valid choice. root is not one of the available choices."),
    ],
)
def test_bad_input_is_answered_with_the_form_and_its_error(
    client: Client, alice: User, case_a: Case, data: dict[str, Any], field: str, error: str
) -> None:
    client.force_login(alice)
    post = {key: value for key, value in data.items() if key != "no_cases"}
    if "no_cases" not in data:
        post["cases"] = [case_a.pk]

    response = client.post(PAGE, post)

    assert (response.status_code, response.context["form"].errors) == (400, {field: [error]})
    assert ApiToken.objects.count() == 0


def test_a_case_of_someone_else_is_refused(client: Client, alice: User) -> None:
    other = CaseFactory(reference="NOT-HERS")
    client.force_login(alice)

    response = client.post(PAGE, {"name": "x", "cases": [other.pk], "access": "read"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["cases"]
    assert ApiToken.objects.count() == 0


def test_revoking_from_the_page(client: Client, alice: User, read_token_a: Issued) -> None:
    client.force_login(alice)

    response = client.post(reverse("apitokens:revoke", kwargs={"token_id": read_token_a.token.pk}))

    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert ApiToken.objects.get(pk=read_token_a.token.pk).revoked_at is not None


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_another_users_token_answers_404_on_revoke(
    client: Client, request: pytest.FixtureRequest, read_token_a: Issued, who: str
) -> None:
    login_verified(client, request.getfixturevalue(who))

    response = client.post(reverse("apitokens:revoke", kwargs={"token_id": read_token_a.token.pk}))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=read_token_a.token.pk).revoked_at is None


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(PAGE)

    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={PAGE}")


def test_the_page_lists_only_the_users_own_tokens(client: Client, bob: User, read_token_a: Issued) -> None:
    login_verified(client, bob)

    response = client.get(PAGE)

    assert list(response.context["tokens"]) == []


@pytest.mark.parametrize("rows", [1, 3])
def test_the_page_uses_the_same_queries_for_1_and_3_tokens(
    client: Client, alice: User, case_a: Case, case_b: Case, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(rows):
        apitoken_create(owner=alice, name=f"t{number}", cases=[case_a, case_b], access=TokenAccess.READ)
    client.force_login(alice)

    with django_assert_num_queries(8):
        response = client.get(PAGE)

    assert len(response.context["tokens"]) == rows
