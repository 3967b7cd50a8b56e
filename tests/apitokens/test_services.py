"""Creating and revoking tokens: the secret is returned once and only its hash is kept."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.permissions import limit_to_cases
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken
from apps.apitokens.services import apitoken_create, apitoken_revoke
from apps.cases.models import Case
from tests.apitokens.conftest import issue
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_create_returns_a_cus_secret_and_stores_only_its_sha256_and_prefix(alice: User, case_a: Case) -> None:
    token, secret = apitoken_create(owner=alice, name=" archiver ", cases=[case_a], access=TokenAccess.WRITE)

    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("cus_")
    assert len(secret) == 4 + 43
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.key_prefix == secret[:8]
    assert (stored.name, stored.access, stored.owner, list(stored.cases.all())) == (
        "archiver",
        "write",
        alice,
        [case_a],
    )
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(value) for value in row.values()}


def test_two_tokens_get_different_secrets(alice: User, case_a: Case) -> None:
    first = issue(alice, [case_a])
    second = issue(alice, [case_a])

    assert first.secret != second.secret


@pytest.mark.parametrize(
    ("name", "cases", "access", "days", "errors"),
    [
        ("", "a", "read", None, {"name": ["Give the token a name, e.g. the script that will use it."]}),
        ("x", "", "read", None, {"cases": ["Choose at least one case: a token opens only the cases named on it."]}),
        ("x", "ac", "read", None, {"cases": ["You can only choose cases you are a member of."]}),
        ("x", "a", "admin", None, {"access": ["Choose read or write access."]}),
        ("x", "a", "read", -1, {"expires_at": ["The expiry must be in the future."]}),
    ],
)
def test_create_refuses_bad_input_by_field(
    alice: User, case_a: Case, name: str, cases: str, access: str, days: int | None, errors: dict[str, list[str]]
) -> None:
    chosen = {"a": [case_a], "": [], "ac": [case_a, CaseFactory(reference="NOT-HERS")]}[cases]
    expires_at = None if days is None else timezone.now() + timedelta(days=days)

    with pytest.raises(ValidationError) as refused:
        apitoken_create(owner=alice, name=name, cases=chosen, access=access, expires_at=expires_at)

    assert refused.value.message_dict == errors
    assert ApiToken.objects.count() == 0


def test_a_token_cannot_create_one_with_more_rights_than_itself(alice: User, case_a: Case, case_b: Case) -> None:
    acting = ApiToken.objects.get(
        pk=apitoken_create(
            owner=alice,
            name="parent",
            cases=[case_a],
            access=TokenAccess.READ,
            expires_at=timezone.now() + timedelta(days=1),
        )[0].pk
    )
    limit_to_cases(alice, frozenset({case_a.pk}))

    with pytest.raises(ValidationError) as refused:
        apitoken_create(
            owner=alice, name="child", cases=[case_b], access=TokenAccess.WRITE, expires_at=None, acting_token=acting
        )

    assert refused.value.message_dict == {
        "cases": ["You can only choose cases you are a member of."],
        "access": ["A read-only token cannot create a token that writes."],
        "expires_at": ["The new token must expire no later than the token used to create it."],
    }


def test_revoking_sets_the_time_once(alice: User, case_a: Case) -> None:
    issued = issue(alice, [case_a])

    first = apitoken_revoke(token=issued.token).revoked_at
    second = apitoken_revoke(token=ApiToken.objects.get(pk=issued.token.pk)).revoked_at

    assert first is not None
    assert second == first
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at == first
