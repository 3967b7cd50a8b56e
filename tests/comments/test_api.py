"""The comments and notifications API: field errors, need-to-know, observers, pagination and query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.comments.models import Comment, Notification
from apps.comments.services import comment_post
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from tests.comments.conftest import sign_in
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db


def queries_of(client: Client, url: str) -> list[str]:
    """The SQL of one GET (which must succeed)."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def own_queries(queries: Any) -> int:
    """How many of the queries read this app's tables or the target's (not sessions, users, devices, roles)."""
    sqls = [query if isinstance(query, str) else query["sql"] for query in queries]
    return sum(1 for sql in sqls if any(table in sql for table in ('"comments_', '"evidence_', '"incidents_')))


def item_comments_url(item: EvidenceItem) -> str:
    return reverse("api:item-comments", kwargs={"target_id": item.pk})


def incident_comments_url(incident: Incident) -> str:
    return reverse("api:incident-comments", kwargs={"target_id": incident.pk})


def read_url(notification: Notification) -> str:
    return reverse("api:notification-read", kwargs={"notification_id": notification.pk})


def test_the_routes_are_where_the_api_documents_them(item: EvidenceItem, incident: Incident) -> None:
    assert item_comments_url(item) == f"/api/v1/evidence/{item.pk}/comments/"
    assert incident_comments_url(incident) == f"/api/v1/incidents/{incident.pk}/comments/"
    assert reverse("api:notifications") == "/api/v1/notifications/"


def test_posting_on_an_item_returns_the_comment_with_the_notified_mentions(
    client: Client, alice: User, olena: User, item: EvidenceItem, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, alice)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            item_comments_url(item), {"body": "@olena @charlie-unknown check"}, content_type="application/json"
        )

    comment = Comment.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": str(comment.pk),
        "author": "alice",
        "body": "@olena @charlie-unknown check",
        "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
        "mentions": ["olena"],
    }
    assert [message.to for message in mail.outbox] == [["olena@example.org"]]
    assert f"http://testserver/evidence/{item.pk}/#comment-{comment.pk}" in mail.outbox[0].body


def test_posting_on_an_incident(client: Client, alice: User, incident: Incident) -> None:
    sign_in(client, alice)

    response = client.post(incident_comments_url(incident), {"body": "timeline"}, content_type="application/json")

    assert response.status_code == 201
    assert Comment.objects.get().incident == incident


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"body": ["This field is required."]}),
        ({"body": "   "}, {"body": ["This field may not be blank."]}),
        ({"body": "x" * 10_001}, {"body": ["Ensure this field has no more than 10000 characters."]}),
        ({"body": "a\x00b"}, {"body": ["Null characters are not allowed."]}),
        ({"body": ["a", "b"]}, {"body": ["Not a valid string."]}),
    ],
)
def test_bad_input_answers_400_with_field_errors(
    client: Client, alice: User, item: EvidenceItem, data: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    sign_in(client, alice)

    response = client.post(item_comments_url(item), data, content_type="application/json")

    assert (response.status_code, field_errors(response)) == (400, errors)
    assert Comment.objects.count() == 0


def test_malformed_json_answers_400(client: Client, alice: User, item: EvidenceItem) -> None:
    sign_in(client, alice)

    response = client.post(item_comments_url(item), "{not json", content_type="application/json")

    assert (response.status_code, problem(response)["type"]) == (400, "https://custos.invalid/problems/parse-error")


def test_observers_may_read_but_not_post(
    client: Client, oscar: User, alice: User, item: EvidenceItem, incident: Incident
) -> None:
    comment_post(author=alice, item=item, body="readable")
    sign_in(client, oscar)

    assert client.get(item_comments_url(item)).status_code == 200
    refused = client.post(item_comments_url(item), {"body": "x"}, content_type="application/json")
    assert (refused.status_code, problem(refused)["detail"]) == (403, "Observers can read comments but not post them.")
    assert (
        client.post(incident_comments_url(incident), {"body": "x"}, content_type="application/json").status_code == 403
    )
    assert Comment.objects.count() == 1


def test_an_observer_gets_404_for_an_identity_restricted_items_thread(
    client: Client, oscar: User, restricted_item: EvidenceItem
) -> None:
    sign_in(client, oscar)

    assert client.get(item_comments_url(restricted_item)).status_code == 404
    assert (
        client.post(item_comments_url(restricted_item), {"body": "x"}, content_type="application/json").status_code
        == 404
    )


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_other_case_members_and_outsiders_get_404_on_every_target_route(
    client: Client, request: pytest.FixtureRequest, who: str, item: EvidenceItem, incident: Incident
) -> None:
    sign_in(client, request.getfixturevalue(who))

    for url in (item_comments_url(item), incident_comments_url(incident)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "x"}, content_type="application/json").status_code == 404
    assert Comment.objects.count() == 0


def test_anonymous_requests_are_refused(client: Client, alice: User, item: EvidenceItem, incident: Incident) -> None:
    comment_post(author=alice, item=item, body="@alice")
    notification = Notification.objects.create(recipient=alice, kind="mention", text="x", link="/")

    assert client.get(item_comments_url(item)).status_code == 401
    assert client.post(incident_comments_url(incident), {"body": "x"}).status_code == 401
    assert client.get(reverse("api:notifications")).status_code == 401
    assert client.post(read_url(notification)).status_code == 401


def test_the_thread_is_oldest_first_and_paginated(client: Client, alice: User, item: EvidenceItem) -> None:
    first = comment_post(author=alice, item=item, body="first")
    second = comment_post(author=alice, item=item, body="second")
    sign_in(client, alice)

    body = client.get(item_comments_url(item), {"page_size": 1}).json()
    following = client.get(body["next"]).json()

    assert ([row["id"] for row in body["results"]], body["previous"]) == ([str(first.pk)], None)
    assert body["next"].startswith(f"http://testserver{item_comments_url(item)}?cursor=")
    assert ([row["id"] for row in following["results"]], following["next"]) == ([str(second.pk)], None)


def test_the_thread_endpoint_takes_the_same_queries_for_1_and_3_rows(
    client: Client, alice: User, olena: User, item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    comment_post(author=alice, item=item, body="@olena 0")
    sign_in(client, alice)
    one_row = queries_of(client, item_comments_url(item))
    comment_post(author=olena, item=item, body="@alice 1")
    comment_post(author=alice, item=item, body="@olena 2")

    with django_assert_num_queries(len(one_row)) as three_rows:
        response = client.get(item_comments_url(item))

    assert len(response.json()["results"]) == 3
    assert [row["mentions"] for row in response.json()["results"]] == [["olena"], ["alice"], ["olena"]]
    # Ours: the item, the page with authors, their mentions (the rest is sign-in and roles).
    assert own_queries(one_row) == own_queries(three_rows) == 3


def test_the_notifications_endpoint_takes_the_same_queries_for_1_and_3_rows(
    client: Client, alice: User, olena: User, item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    comment_post(author=alice, item=item, body="@olena 0")
    sign_in(client, olena)
    one_row = queries_of(client, reverse("api:notifications"))
    comment_post(author=alice, item=item, body="@olena 1")
    comment_post(author=alice, item=item, body="@olena 2")

    with django_assert_num_queries(len(one_row)) as three_rows:
        response = client.get(reverse("api:notifications"))

    assert len(response.json()["results"]) == 3
    # Ours: the page with actors and comments.
    assert own_queries(one_row) == own_queries(three_rows) == 1


def test_notifications_newest_first_and_unread_filter(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    older = comment_post(author=alice, item=item, body="@olena older")
    newer = comment_post(author=alice, item=item, body="@olena newer")
    Notification.objects.filter(comment=newer).update(read_at="2022-03-07T10:00:00Z")
    sign_in(client, olena)

    everything = client.get(reverse("api:notifications")).json()
    unread = client.get(reverse("api:notifications"), {"unread": "true"}).json()
    read = client.get(reverse("api:notifications"), {"unread": "false"}).json()

    assert [row["comment"] for row in everything["results"]] == [str(newer.pk), str(older.pk)]
    assert [(row["comment"], row["unread"]) for row in unread["results"]] == [(str(older.pk), True)]
    assert [(row["comment"], row["unread"]) for row in read["results"]] == [(str(newer.pk), False)]
    row = unread["results"][0]
    notification = Notification.objects.get(comment=older)
    assert row == {
        "id": str(notification.pk),
        "kind": "mention",
        "actor": "alice",
        "comment": str(older.pk),
        "text": "UA-2022-0001/E0007",
        "link": f"/evidence/{item.pk}/#comment-{older.pk}",
        "created_at": notification.created_at.isoformat().replace("+00:00", "Z"),
        "read_at": None,
        "unread": True,
    }


def test_marking_read_through_the_api(client: Client, alice: User, olena: User, item: EvidenceItem) -> None:
    comment_post(author=alice, item=item, body="@olena")
    notification = Notification.objects.get()
    sign_in(client, olena)

    response = client.post(read_url(notification))

    notification.refresh_from_db()
    assert response.status_code == 200
    assert (response.json()["unread"], notification.read_at is not None) == (False, True)


def test_another_users_notification_answers_404_in_the_api(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@olena")
    notification = Notification.objects.get()
    sign_in(client, alice)

    assert client.post(read_url(notification)).status_code == 404
    assert client.get(reverse("api:notifications")).json()["results"] == []
    assert Notification.objects.get().read_at is None


def test_posting_through_a_write_token_and_not_through_a_read_token(
    client: Client, alice: User, case: Case, item: EvidenceItem
) -> None:
    _read, read_secret = apitoken_create(owner=alice, name="reader", cases=[case], access=TokenAccess.READ)
    _write, write_secret = apitoken_create(owner=alice, name="writer", cases=[case], access=TokenAccess.WRITE)

    refused = client.post(
        item_comments_url(item),
        {"body": "from a script"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {read_secret}"},
    )
    posted = client.post(
        item_comments_url(item),
        {"body": "from a script"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {write_secret}"},
    )
    listed = client.get(item_comments_url(item), headers={"Authorization": f"Bearer {read_secret}"})

    assert (refused.status_code, posted.status_code, listed.status_code) == (403, 201, 200)
    assert [row["body"] for row in listed.json()["results"]] == ["from a script"]


def test_the_thread_returns_only_the_fields_asked_for(client: Client, alice: User, item: EvidenceItem) -> None:
    comment = comment_post(author=alice, item=item, body="first")
    sign_in(client, alice)

    response = client.get(item_comments_url(item), {"fields": "body"})

    assert response.json()["results"] == [{"id": str(comment.pk), "body": "first"}]


def test_an_invalid_unread_filter_is_ignored_like_an_absent_one(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@olena")
    sign_in(client, olena)

    response = client.get(reverse("api:notifications"), {"unread": "perhaps"})

    assert (response.status_code, len(response.json()["results"])) == (200, 1)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_unread_notifications_take_the_same_queries_for_1_and_3_rows(
    client: Client, alice: User, olena: User, item: EvidenceItem, rows: int
) -> None:
    for number in range(rows):
        comment_post(author=alice, item=item, body=f"@olena {number}")
    sign_in(client, olena)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("api:notifications"), {"unread": "true"})

    assert len(response.json()["results"]) == rows
    # Ours: the page with actors and comments (the rest is sign-in and roles).
    assert own_queries(captured.captured_queries) == 1
