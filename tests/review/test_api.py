"""The review API: the queue endpoint, decisions and their history, incident verification."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_verify
from apps.evidence.enums import EvidenceKind, ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision
from apps.review.services import evidence_review_decide
from tests.factories import CaseFactory, IncidentFactory
from tests.problems import field_errors, problem
from tests.review.conftest import FULL_CHECKLIST, make_item, sign_in

pytestmark = pytest.mark.django_db


def _review(client: Client, item: EvidenceItem, body: dict[str, Any]) -> Any:
    return client.post(
        reverse("api:evidence-review", kwargs={"item_id": item.pk}), body, content_type="application/json"
    )


def test_the_queue_endpoint_lists_waiting_items_of_the_users_review_cases(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    first = make_item(case, investigator, number=1, is_graphic=True)
    make_item(case, reviewer, number=2, review_status=ReviewStatus.NEEDS_INFO)
    make_item(case, investigator, number=3, review_status=ReviewStatus.APPROVED)
    make_item(CaseFactory(reference="UA-2022-0002"), None, number=1)
    sign_in(client, reviewer)

    response = client.get(reverse("api:review-queue"))

    body = response.json()
    assert response.status_code == 200
    assert (body["next"], body["previous"]) == (None, None)
    assert [(row["reference"], row["review_status"], row["four_eyes_blocked"]) for row in body["results"]] == [
        ("UA-2022-0001/E0001", "submitted", False),
        ("UA-2022-0001/E0002", "needs_info", True),
    ]
    assert body["results"][0] == {
        "id": str(first.pk),
        "reference": "UA-2022-0001/E0001",
        "case": "UA-2022-0001",
        "kind": "image",
        "original_filename": first.original_filename,
        "review_status": "submitted",
        "created_at": body["results"][0]["created_at"],
        "is_graphic": True,
        "contains_personal_data": False,
        "reveals_witness_identity": False,
        "four_eyes_blocked": False,
    }


def test_the_queue_endpoint_filters_and_refuses_invalid_filters(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    make_item(case, investigator, number=1)
    make_item(case, investigator, number=2, review_status=ReviewStatus.IN_REVIEW, contains_personal_data=True)
    sign_in(client, reviewer)

    filtered = client.get(reverse("api:review-queue"), {"status": "in_review", "sensitivity": "personal_data"})
    invalid = client.get(reverse("api:review-queue"), {"age": "forever", "case": "x"})

    assert [row["reference"] for row in filtered.json()["results"]] == ["UA-2022-0001/E0002"]
    assert invalid.status_code == 400
    assert field_errors(invalid) == {
        "age": ["Select a valid choice. forever is not one of the available choices."],
        "case": ["Enter a valid UUID."],
    }


def test_the_queue_endpoint_refuses_anonymous_requests(client: Client) -> None:
    assert client.get(reverse("api:review-queue")).status_code == 401


@pytest.mark.parametrize("rows", [1, 3])
def test_the_queue_endpoint_query_count_does_not_grow_with_rows(
    client: Client, case: Case, reviewer: User, investigator: User, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(1, rows + 1):
        make_item(case, investigator, number=number)
    sign_in(client, reviewer)

    # user, second-factor device, roles (for the second-factor rule), the page's items with their case.
    with django_assert_num_queries(4):
        response = client.get(reverse("api:review-queue"))

    assert len(response.json()["results"]) == rows


def test_a_reviewer_starts_and_approves_through_the_api(client: Client, reviewer: User, item: EvidenceItem) -> None:
    sign_in(client, reviewer)

    started = _review(client, item, {"decision": "start"})
    approved = _review(client, item, {"decision": "approve", "checklist": FULL_CHECKLIST})

    assert (started.status_code, started.json()["review_status"]) == (200, "in_review")
    body = approved.json()
    assert approved.status_code == 200
    assert (body["id"], body["review_status"]) == (str(item.pk), "approved")
    assert {
        key: body["decision"][key] for key in ("decision", "reviewer", "from_status", "to_status", "checklist")
    } == {
        "decision": "approved",
        "reviewer": "alice",
        "from_status": "in_review",
        "to_status": "approved",
        "checklist": FULL_CHECKLIST,
    }
    assert CustodyEvent.objects.filter(item=item).count() == 2
    assert custody_verify(item_id=item.pk).ok is True


@pytest.mark.parametrize("field", ["uploaded_by", "collected_by", "last_edited_by"])
def test_four_eyes_is_refused_through_the_api_with_its_message(
    client: Client, case: Case, reviewer: User, investigator: User, field: str
) -> None:
    item = make_item(case, **{"uploaded_by": investigator, field: reviewer}, review_status=ReviewStatus.IN_REVIEW)
    sign_in(client, reviewer)

    response = _review(client, item, {"decision": "reject", "reason": "Staged."})

    messages = {
        "uploaded_by": "You uploaded this item, so someone else must review it (four-eyes rule).",
        "collected_by": "You collected this item, so someone else must review it (four-eyes rule).",
        "last_edited_by": "You were the last to edit this item, so someone else must review it (four-eyes rule).",
    }
    assert (response.status_code, problem(response)["detail"]) == (403, messages[field])
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.IN_REVIEW
    assert CustodyEvent.objects.count() == 0


def test_a_lead_reviews_someone_elses_item_through_the_api(
    client: Client, lead: User, item_in_review: EvidenceItem
) -> None:
    sign_in(client, lead)

    response = _review(client, item_in_review, {"decision": "needs_info", "question": "Which street?"})

    assert (response.status_code, response.json()["review_status"]) == (200, "needs_info")


@pytest.mark.parametrize(
    ("role_user", "status"),
    [("observer", 403), ("investigator", 403), ("other_case_member", 404), ("outsider", 404)],
)
def test_who_may_post_a_decision(
    request: pytest.FixtureRequest, client: Client, item: EvidenceItem, role_user: str, status: int
) -> None:
    sign_in(client, request.getfixturevalue(role_user))

    response = _review(client, item, {"decision": "start"})

    assert response.status_code == status
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.SUBMITTED


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"decision": "reject"}, [("/reason", "Give the reason for rejecting the item.")]),
        (
            {"decision": "needs_info", "question": ""},
            [("/question", "Write the question the investigator should answer.")],
        ),
        (
            {"decision": "approve", "checklist": {"provenance": {"answer": "yes"}}},
            [
                (f"/checklist/{key}", "Answer this question before approving.")
                for key in ("credibility", "independence", "metadata", "geolocation", "chronolocation", "corroboration")
            ],
        ),
        (
            {"decision": "approve", "checklist": {"vibes": {"answer": "yes"}}},
            [("/checklist", "Unknown checklist questions: vibes.")],
        ),
        ({"decision": "publish"}, [("/decision", '"publish" is not a valid choice.')]),
        (
            {"decision": "approve", "checklist": {"metadata": {"answer": "perhaps"}}},
            [("/checklist/metadata/answer", '"perhaps" is not a valid choice.')],
        ),
        ({"decision": "start"}, [("/decision", "An item that is “In review” cannot be “Review started”.")]),
    ],
)
def test_invalid_input_answers_400_with_field_errors(
    client: Client, reviewer: User, item_in_review: EvidenceItem, body: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    sign_in(client, reviewer)

    response = _review(client, item_in_review, body)

    assert response.status_code == 400
    assert sorted((error["pointer"], error["detail"]) for error in problem(response)["errors"]) == sorted(errors)
    assert CustodyEvent.objects.count() == 0


def test_the_history_endpoint_lists_the_decisions(
    client: Client, observer: User, lead: User, item: EvidenceItem
) -> None:
    evidence_review_decide(item=item, user=lead, decision=Decision.START)
    evidence_review_decide(item=item, user=lead, decision=Decision.REJECT, reason="A 2014 video.")
    sign_in(client, observer)

    response = client.get(reverse("api:evidence-reviews", kwargs={"item_id": item.pk}))

    body = response.json()
    assert (response.status_code, body["review_status"]) == (200, "rejected")
    assert [(row["decision"], row["reviewer"], row["reason"]) for row in body["decisions"]] == [
        ("review_started", "lena", ""),
        ("rejected", "lena", "A 2014 video."),
    ]


def test_the_history_endpoint_answers_404_outside_the_users_cases(
    client: Client, other_case_member: User, item: EvidenceItem
) -> None:
    sign_in(client, other_case_member)

    assert client.get(reverse("api:evidence-reviews", kwargs={"item_id": item.pk})).status_code == 404


def test_incident_verification_through_the_api(client: Client, case: Case, reviewer: User) -> None:
    incident = IncidentFactory(case=case)
    url = reverse("api:incident-verification", kwargs={"incident_id": incident.pk})
    sign_in(client, reviewer)

    changed = client.post(
        url, {"status": "disputed", "reason": "Two accounts differ."}, content_type="application/json"
    )
    missing = client.post(url, {"status": "verified", "reason": ""}, content_type="application/json")
    history = client.get(url)

    assert (changed.status_code, changed.json()["verification_status"]) == (200, "disputed")
    assert (missing.status_code, field_errors(missing)) == (400, {"reason": ["Give the reason."]})
    assert [(row["from_status"], row["to_status"], row["changed_by"]) for row in history.json()["history"]] == [
        ("unverified", "disputed", "alice")
    ]
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.DISPUTED


@pytest.mark.parametrize(
    ("role_user", "status"),
    [("observer", 403), ("investigator", 403), ("other_case_member", 404), ("outsider", 404)],
)
def test_who_may_set_verification_through_the_api(
    request: pytest.FixtureRequest, client: Client, case: Case, role_user: str, status: int
) -> None:
    incident = IncidentFactory(case=case)
    sign_in(client, request.getfixturevalue(role_user))

    response = client.post(
        reverse("api:incident-verification", kwargs={"incident_id": incident.pk}),
        {"status": "verified", "reason": "Sure."},
        content_type="application/json",
    )

    assert response.status_code == status
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"case": "UA-2022-0001"}, [1, 2, 3, 4]),
        ({"kind": "video"}, [2]),
        ({"age": "7"}, [3]),
        ({"sensitivity": "graphic"}, [4]),
        ({"sensitivity": "witness_identity", "status": "in_review"}, []),
        ({"sensitivity": "witness_identity"}, [4]),
        ({"status": "needs_info"}, [3]),
    ],
)
def test_each_queue_filter_of_the_page_narrows_the_endpoint(
    client: Client, case: Case, reviewer: User, investigator: User, query: dict[str, str], expected: list[int]
) -> None:
    make_item(case, investigator, number=1)
    make_item(case, investigator, number=2, kind=EvidenceKind.VIDEO)
    old = make_item(case, investigator, number=3, review_status=ReviewStatus.NEEDS_INFO)
    EvidenceItem.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=8))
    make_item(case, investigator, number=4, is_graphic=True, reveals_witness_identity=True)
    other = make_item(CaseFactory(reference="UA-2022-0002"), None, number=1)
    sign_in(client, reviewer)
    if "case" in query:
        query = {"case": str(case.pk)}

    response = client.get(reverse("api:review-queue"), query)
    elsewhere = client.get(reverse("api:review-queue"), {"case": str(other.case_id)})

    assert response.status_code == 200
    assert sorted(row["reference"] for row in response.json()["results"]) == [
        f"UA-2022-0001/E{n:04d}" for n in expected
    ]
    assert elsewhere.json()["results"] == []


def test_the_queue_is_paged_oldest_first_with_cursors(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    for number in range(1, 4):
        make_item(case, investigator, number=number)
    sign_in(client, reviewer)

    first = client.get(reverse("api:review-queue"), {"page_size": 2, "fields": "reference"}).json()
    second = client.get(first["next"]).json()

    assert first["results"] + second["results"] == [
        {"id": row["id"], "reference": f"UA-2022-0001/E000{number}"}
        for number, row in zip(range(1, 4), first["results"] + second["results"], strict=True)
    ]
    assert (first["previous"], second["next"]) == (None, None)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_filtered_queue_query_count_does_not_grow_with_rows(
    client: Client, case: Case, reviewer: User, investigator: User, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(1, rows + 1):
        make_item(case, investigator, number=number, is_graphic=True)
    sign_in(client, reviewer)

    # user, second-factor device, roles, the page's items (the filters are one subquery of it).
    with django_assert_num_queries(4):
        response = client.get(reverse("api:review-queue"), {"sensitivity": "graphic", "case": str(case.pk)})

    assert len(response.json()["results"]) == rows


def test_an_observer_is_refused_a_decision_with_the_reason(client: Client, observer: User, item: EvidenceItem) -> None:
    sign_in(client, observer)

    response = _review(client, item, {"decision": "start"})

    assert problem(response) == {
        "type": "https://custos.invalid/problems/permission-denied",
        "title": "You may not do this.",
        "status": 403,
        "detail": "Only reviewers and leads of this case can review its evidence.",
    }


def test_a_read_only_token_cannot_take_a_review_step(
    client: Client, case: Case, reviewer: User, item: EvidenceItem
) -> None:
    _token, secret = apitoken_create(owner=reviewer, name="reader", cases=[case], access=TokenAccess.READ)

    response = client.post(
        reverse("api:evidence-review", kwargs={"item_id": item.pk}),
        {"decision": "start"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    queue = client.get(reverse("api:review-queue"), headers={"Authorization": f"Bearer {secret}"})

    assert (response.status_code, queue.status_code) == (403, 200)
    assert [row["id"] for row in queue.json()["results"]] == [str(item.pk)]
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.SUBMITTED


def test_a_write_token_takes_a_review_step(client: Client, case: Case, reviewer: User, item: EvidenceItem) -> None:
    _token, secret = apitoken_create(owner=reviewer, name="writer", cases=[case], access=TokenAccess.WRITE)

    response = client.post(
        reverse("api:evidence-review", kwargs={"item_id": item.pk}),
        {"decision": "start"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )

    assert (response.status_code, response.json()["review_status"]) == (200, "in_review")


def test_a_review_step_as_a_form_is_refused_as_an_unsupported_media_type(
    client: Client, reviewer: User, item: EvidenceItem
) -> None:
    sign_in(client, reviewer)

    response = client.post(reverse("api:evidence-review", kwargs={"item_id": item.pk}), {"decision": "start"})

    assert (response.status_code, problem(response)["status"]) == (415, 415)


def test_setting_the_same_verification_status_again_is_a_field_error(
    client: Client, case: Case, reviewer: User
) -> None:
    incident = IncidentFactory(case=case)
    sign_in(client, reviewer)

    response = client.post(
        reverse("api:incident-verification", kwargs={"incident_id": incident.pk}),
        {"status": "unverified", "reason": "Nothing new."},
        content_type="application/json",
    )

    assert (response.status_code, field_errors(response)) == (
        400,
        {"status": ["The incident already has this status."]},
    )


def test_an_observer_is_refused_a_verification_change_with_the_reason(
    client: Client, case: Case, observer: User
) -> None:
    incident = IncidentFactory(case=case)
    sign_in(client, observer)

    response = client.post(
        reverse("api:incident-verification", kwargs={"incident_id": incident.pk}),
        {"status": "verified", "reason": "Sure."},
        content_type="application/json",
    )

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "Only reviewers and leads of this case can set its verification status.",
    )
