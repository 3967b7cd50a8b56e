"""The read-only custody API: an item's events and its verification, to members only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.custody import db_triggers
from apps.custody.enums import CustodyAction
from apps.custody.hashing import GENESIS_HASH
from apps.custody.services import custody_record, system_actor
from apps.evidence.models import EvidenceItem
from tests.accounts.helpers import login_verified
from tests.factories import EvidenceItemFactory, MembershipFactory, UserFactory
from tests.problems import problem

pytestmark = pytest.mark.django_db

EVENT_TIME = datetime(2022, 3, 6, 12, 0, 0, 5, tzinfo=UTC)


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Django's clock stopped at EVENT_TIME, so that recorded times are known exactly."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: EVENT_TIME)
    return EVENT_TIME


@pytest.fixture
def item(db: None) -> EvidenceItem:
    return EvidenceItemFactory()


@pytest.fixture
def member(item: EvidenceItem) -> User:
    return MembershipFactory(user__username="alice", case=item.case, role=CaseRole.OBSERVER).user


@pytest.fixture
def other_case_member(db: None) -> User:
    return MembershipFactory(user__username="bob", role=CaseRole.LEAD).user


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="charlie")


@pytest.fixture
def site_admin(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _events_url(item: EvidenceItem) -> str:
    return reverse("api:custody-events", args=[item.pk])


def _verification_url(item: EvidenceItem) -> str:
    return reverse("api:custody-verification", args=[item.pk])


def test_the_endpoints_live_under_api_v1(item: EvidenceItem) -> None:
    assert _events_url(item) == f"/api/v1/evidence/{item.pk}/custody/"
    assert _verification_url(item) == f"/api/v1/evidence/{item.pk}/custody/verification/"


def test_the_events_endpoint_returns_every_event_with_the_fields_its_hash_covers(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    received = custody_record(
        item=item,
        action=CustodyAction.RECEIVED,
        actor_system=system_actor("intake"),
        details={"original_filename": "Ірпінь.jpg", "size_bytes": 2048},
    )
    viewed = custody_record(item=item, action=CustodyAction.VIEWED, actor_user=member)
    client.force_login(member)

    response = client.get(_events_url(item))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "next": None,
        "previous": None,
        "results": [
            {
                "sequence": 1,
                "action": "received",
                "actor": "system:intake/0.1.0",
                "actor_user": None,
                "occurred_at": "2022-03-06T12:00:00.000005Z",
                "details": {"original_filename": "Ірпінь.jpg", "size_bytes": 2048},
                "prev_hash": GENESIS_HASH,
                "event_hash": received.event_hash,
            },
            {
                "sequence": 2,
                "action": "viewed",
                "actor": "user:alice",
                "actor_user": "alice",
                "occurred_at": "2022-03-06T12:00:00.000005Z",
                "details": {},
                "prev_hash": received.event_hash,
                "event_hash": viewed.event_hash,
            },
        ],
    }


def test_an_intact_chain_verifies(client: Client, item: EvidenceItem, member: User, fixed_clock: datetime) -> None:
    for action in (CustodyAction.RECEIVED, CustodyAction.VERIFIED, CustodyAction.ARCHIVED):
        custody_record(item=item, action=action, actor_system=system_actor("intake"))
    client.force_login(member)

    response = client.get(_verification_url(item))

    assert (response.status_code, response.json()) == (
        200,
        {
            "item": str(item.pk),
            "ok": True,
            "events_checked": 3,
            "first_break": None,
            "verified_at": "2022-03-06T12:00:00.000005Z",
        },
    )


def test_a_changed_row_is_reported_as_the_first_break(
    client: Client, item: EvidenceItem, member: User, fixed_clock: datetime
) -> None:
    events = [
        custody_record(item=item, action=action, actor_system=system_actor("intake"))
        for action in (CustodyAction.RECEIVED, CustodyAction.VERIFIED, CustodyAction.ARCHIVED)
    ]
    db_triggers.drop(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE custody_custodyevent SET details = %s WHERE id = %s",
            [json.dumps({"reason": "nothing to see"}), events[2].pk],
        )
    db_triggers.install(connection)
    client.force_login(member)

    response = client.get(_verification_url(item))

    assert response.json() == {
        "item": str(item.pk),
        "ok": False,
        "events_checked": 3,
        "first_break": {
            "sequence": 3,
            "reason": "its content does not match its hash (changed after it was written)",
        },
        "verified_at": "2022-03-06T12:00:00.000005Z",
    }


@pytest.mark.parametrize("url", [_events_url, _verification_url])
@pytest.mark.parametrize("who", ["other_case_member", "outsider", "site_admin"])
def test_non_members_get_404_as_if_the_item_did_not_exist(
    client: Client, item: EvidenceItem, request: pytest.FixtureRequest, who: str, url: Any
) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_system=system_actor("intake"))
    login_verified(client, request.getfixturevalue(who))

    response = client.get(url(item))

    assert (response.status_code, problem(response)["detail"]) == (404, "Not found.")


@pytest.mark.parametrize("name", ["api:custody-events", "api:custody-verification"])
def test_an_unknown_item_gets_404(client: Client, member: User, name: str) -> None:
    client.force_login(member)

    response = client.get(reverse(name, args=["00000000-0000-4000-8000-000000000000"]))

    assert problem(response) == {
        "type": "https://custos.invalid/problems/not-found",
        "title": "Not found.",
        "status": 404,
        "detail": "Not found.",
    }


@pytest.mark.parametrize("url", [_events_url, _verification_url])
def test_anonymous_requests_are_refused(client: Client, item: EvidenceItem, url: Any) -> None:
    response = client.get(url(item))

    assert (response.status_code, response["WWW-Authenticate"], problem(response)["detail"]) == (
        401,
        "Bearer",
        "Authentication credentials were not provided.",
    )


@pytest.mark.parametrize("url", [_events_url, _verification_url])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_custody_api_is_read_only(client: Client, item: EvidenceItem, member: User, url: Any, method: str) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_system=system_actor("intake"))
    client.force_login(member)

    response = getattr(client, method)(url(item), data={}, content_type="application/json")

    assert response.status_code == 405
    assert item.custody_events.count() == 1


@pytest.mark.parametrize("events", [1, 3])
def test_the_events_endpoint_query_count_does_not_grow_with_events(
    client: Client, item: EvidenceItem, member: User, django_assert_num_queries: Any, events: int
) -> None:
    for _ in range(events):
        custody_record(item=item, action=CustodyAction.VIEWED, actor_user=member)
    client.force_login(member)

    # user, item with case, membership, events with their users
    with django_assert_num_queries(4):
        response = client.get(_events_url(item))

    assert len(response.json()["results"]) == events


def test_the_chain_is_paged_in_sequence_order_and_a_page_can_hold_500_events(
    client: Client, item: EvidenceItem, member: User
) -> None:
    for _ in range(5):
        custody_record(item=item, action=CustodyAction.VIEWED, actor_user=member)
    client.force_login(member)

    first = client.get(_events_url(item), {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    whole = client.get(_events_url(item), {"page_size": 500}).json()

    pages = [[event["sequence"] for event in page["results"]] for page in (first, second, third)]
    assert pages == [[1, 2], [3, 4], [5]]
    assert (first["previous"], third["next"]) == (None, None)
    assert ([event["sequence"] for event in whole["results"]], whole["next"]) == ([1, 2, 3, 4, 5], None)


def test_the_events_endpoint_returns_only_the_fields_asked_for(
    client: Client, item: EvidenceItem, member: User
) -> None:
    event = custody_record(item=item, action=CustodyAction.VIEWED, actor_user=member)
    client.force_login(member)

    response = client.get(_events_url(item), {"fields": "sequence,event_hash,unknown"})

    assert response.json()["results"] == [{"sequence": 1, "event_hash": event.event_hash}]
