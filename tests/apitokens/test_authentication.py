"""Bearer authentication: who a token makes the request, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken
from apps.apitokens.services import apitoken_revoke
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.services import custody_record, system_actor
from apps.evidence.models import EvidenceItem
from tests.apitokens.conftest import Issued, issue
from tests.problems import problem

pytestmark = pytest.mark.django_db


def _events_url(item: EvidenceItem) -> str:
    return reverse("api:custody-events", kwargs={"item_id": item.pk})


def _comments_url(item: EvidenceItem) -> str:
    return reverse("api:item-comments", kwargs={"target_id": item.pk})


def test_custody_events_answer_a_read_token(client: Client, item_a: EvidenceItem, read_token_a: Issued) -> None:
    custody_record(item=item_a, action=CustodyAction.RECEIVED, actor_system=system_actor("intake"))

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert response.status_code == 200
    assert [event["action"] for event in response.json()["results"]] == ["received"]


def test_using_a_token_records_when_it_was_last_used(
    client: Client, item_a: EvidenceItem, read_token_a: Issued
) -> None:
    before = timezone.now()

    client.get(_events_url(item_a), headers=read_token_a.headers)

    last_used_at = ApiToken.objects.get(pk=read_token_a.token.pk).last_used_at
    assert last_used_at is not None
    assert before <= last_used_at <= timezone.now()


def test_a_token_for_case_a_cannot_see_case_b_although_its_owner_can(
    client: Client, item_b: EvidenceItem, read_token_a: Issued
) -> None:
    response = client.get(_events_url(item_b), headers=read_token_a.headers)

    assert response.status_code == 404


def test_the_owner_sees_case_b_in_the_browser(client: Client, alice: User, item_b: EvidenceItem) -> None:
    client.force_login(alice)

    response = client.get(_events_url(item_b))

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer cus_not-a-token", "Invalid token."),
        ("Bearer something-else", "Invalid token."),
        ("Bearer", "Malformed Authorization header: send “Bearer” and the token, nothing else."),
        ("Bearer two parts", "Malformed Authorization header: send “Bearer” and the token, nothing else."),
    ],
)
def test_a_wrong_token_answers_401(
    client: Client, item_a: EvidenceItem, read_token_a: Issued, header: str, message: str
) -> None:
    response = client.get(_events_url(item_a), headers={"Authorization": header})

    assert (response.status_code, response["WWW-Authenticate"], problem(response)["detail"]) == (
        401,
        "Bearer",
        message,
    )


def test_no_credentials_answers_401_with_a_bearer_challenge(client: Client, item_a: EvidenceItem) -> None:
    response = client.get(_events_url(item_a))

    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")


def test_an_expired_token_answers_401(client: Client, item_a: EvidenceItem, read_token_a: Issued) -> None:
    ApiToken.objects.filter(pk=read_token_a.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert (response.status_code, problem(response)["detail"]) == (401, "This token has expired.")


def test_a_token_that_has_not_expired_yet_works(client: Client, item_a: EvidenceItem, read_token_a: Issued) -> None:
    ApiToken.objects.filter(pk=read_token_a.token.pk).update(expires_at=timezone.now() + timedelta(hours=1))

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert response.status_code == 200


def test_a_revoked_token_answers_401(client: Client, item_a: EvidenceItem, read_token_a: Issued) -> None:
    apitoken_revoke(token=read_token_a.token)

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert (response.status_code, problem(response)["detail"]) == (401, "This token has been revoked.")


def test_a_deactivated_owners_token_answers_401(
    client: Client, alice: User, item_a: EvidenceItem, read_token_a: Issued
) -> None:
    User.objects.filter(pk=alice.pk).update(is_active=False)

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert (response.status_code, problem(response)["detail"]) == (
        401,
        "The account this token belongs to is deactivated.",
    )


def test_a_token_loses_a_case_when_its_owner_leaves_it(
    client: Client, alice: User, case_a: Case, item_a: EvidenceItem, read_token_a: Issued
) -> None:
    alice.case_memberships.filter(case=case_a).delete()

    response = client.get(_events_url(item_a), headers=read_token_a.headers)

    assert response.status_code == 404


def test_a_read_token_is_refused_a_post_with_403(client: Client, item_a: EvidenceItem, read_token_a: Issued) -> None:
    response = client.post(
        _comments_url(item_a), {"body": "Checked."}, content_type="application/json", headers=read_token_a.headers
    )

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "This API token is read-only: it cannot change anything. Use a token with write access.",
    )
    assert item_a.comments.count() == 0


def test_a_write_token_posts_without_a_csrf_token(item_a: EvidenceItem, write_token_a: Issued) -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _comments_url(item_a), {"body": "Checked."}, content_type="application/json", headers=write_token_a.headers
    )

    assert (response.status_code, response.json()["body"]) == (201, "Checked.")


def test_a_write_token_gives_no_more_than_the_owners_role(
    client: Client, bob: User, case_b: Case, item_b: EvidenceItem
) -> None:
    CaseMembership.objects.filter(user=bob, case=case_b).update(role=CaseRole.OBSERVER)
    issued = issue(bob, [case_b], TokenAccess.WRITE)

    response = client.post(
        _comments_url(item_b), {"body": "Checked."}, content_type="application/json", headers=issued.headers
    )

    assert response.status_code == 403


def test_a_lead_without_a_second_factor_in_a_session_still_uses_a_token(
    client: Client, bob: User, case_b: Case, item_b: EvidenceItem
) -> None:
    """The second-factor middleware looks at the session user; a token request has none (it was made in a
    verified session). Bob leads case B, has no verified session and no device."""
    issued = issue(bob, [case_b])

    response = client.get(_events_url(item_b), headers=issued.headers)

    assert response.status_code == 200


def test_a_leads_unverified_session_is_still_stopped_without_a_token(
    client: Client, bob: User, item_b: EvidenceItem
) -> None:
    client.force_login(bob)

    response = client.get(_events_url(item_b))

    assert response.status_code == 403
