"""The review pages: the queue, an item's review, an incident's verification, and the panel on the item page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_verify
from apps.custody.services import custody_record
from apps.evidence.enums import EvidenceKind, ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision
from apps.review.forms import checklist_answer_field, checklist_note_field
from apps.review.models import IncidentVerificationChange, ReviewDecision
from apps.review.services import evidence_review_decide
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory
from tests.review.conftest import FULL_CHECKLIST, make_item, sign_in

pytestmark = pytest.mark.django_db


def _review_url(item: EvidenceItem) -> str:
    return reverse("review:item", kwargs={"item_id": item.pk})


def _checklist_post(checklist: dict[str, dict[str, str]]) -> dict[str, str]:
    data = {}
    for key, entry in checklist.items():
        data[checklist_answer_field(key)] = entry["answer"]
        data[checklist_note_field(key)] = entry["note"]
    return data


def _queue_references(response: Any) -> list[str]:
    return [item.reference for item in response.context["page"]]


# --- The queue -----------------------------------------------------------------------------------


def test_the_queue_shows_only_waiting_items_of_the_users_review_cases(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    waiting = [
        make_item(case, investigator, number=1),
        make_item(case, investigator, number=2, review_status=ReviewStatus.IN_REVIEW),
        make_item(case, investigator, number=3, review_status=ReviewStatus.NEEDS_INFO),
    ]
    make_item(case, investigator, number=4, review_status=ReviewStatus.APPROVED)
    make_item(case, investigator, number=5, review_status=ReviewStatus.REJECTED)
    make_item(CaseFactory(reference="UA-2022-0002"), None, number=1)
    observed = CaseFactory(reference="UA-2022-0003")
    MembershipFactory(case=observed, user=reviewer, role="observer")
    make_item(observed, None, number=1)
    sign_in(client, reviewer)

    response = client.get(reverse("review:queue"))

    assert response.status_code == 200
    assert _queue_references(response) == [item.reference for item in waiting]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "needs_info"}, ["UA-2022-0001/E0003"]),
        ({"kind": "video"}, ["UA-2022-0001/E0002"]),
        ({"age": "7"}, ["UA-2022-0001/E0001"]),
        ({"age": "1"}, ["UA-2022-0001/E0001", "UA-2022-0001/E0002"]),
        ({"sensitivity": "graphic"}, ["UA-2022-0001/E0002"]),
        ({"sensitivity": "personal_data"}, ["UA-2022-0001/E0003"]),
        ({"sensitivity": "witness_identity"}, []),
        ({"case": "other"}, ["UA-2022-0009/E0001"]),
    ],
)
def test_the_queue_filters(
    client: Client, case: Case, reviewer: User, investigator: User, query: dict[str, str], expected: list[str]
) -> None:
    now = timezone.now()
    first = make_item(case, investigator, number=1)
    second = make_item(case, investigator, number=2, kind=EvidenceKind.VIDEO, is_graphic=True)
    make_item(case, investigator, number=3, review_status=ReviewStatus.NEEDS_INFO, contains_personal_data=True)
    EvidenceItem.objects.filter(pk=first.pk).update(created_at=now - timedelta(days=8))
    EvidenceItem.objects.filter(pk=second.pk).update(created_at=now - timedelta(days=2))
    other = CaseFactory(reference="UA-2022-0009")
    MembershipFactory(case=other, user=reviewer, role="lead")
    make_item(other, None, number=1)
    if query.get("case") == "other":
        query = {"case": str(other.pk)}
    sign_in(client, reviewer)

    response = client.get(reverse("review:queue"), query)

    assert _queue_references(response) == expected


def test_an_invalid_filter_is_reported_not_applied(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    make_item(case, investigator, number=1)
    sign_in(client, reviewer)

    response = client.get(reverse("review:queue"), {"age": "forever", "case": "not-a-uuid"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"age", "case"}
    assert _queue_references(response) == ["UA-2022-0001/E0001"]


def test_the_queue_marks_items_the_reviewer_may_not_review(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    make_item(case, investigator, number=1)
    make_item(case, investigator, number=2, collected_by=reviewer)
    sign_in(client, reviewer)

    response = client.get(reverse("review:queue"))

    assert [(item.reference, item.four_eyes_blocked) for item in response.context["page"]] == [
        ("UA-2022-0001/E0001", False),
        ("UA-2022-0001/E0002", True),
    ]
    content = response.content.decode()
    assert content.count("four-eyes rule") == 1
    assert content.count('name="items"') == 1


def test_the_queue_is_empty_for_a_user_who_reviews_nowhere(
    client: Client, item: EvidenceItem, investigator: User
) -> None:
    sign_in(client, investigator)

    response = client.get(reverse("review:queue"))

    assert (response.status_code, _queue_references(response)) == (200, [])
    assert response.context["has_review_cases"] is False


def test_the_queue_asks_an_anonymous_visitor_to_sign_in(client: Client) -> None:
    response = client.get(reverse("review:queue"))

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/review/")


def test_the_queue_is_paginated(client: Client, case: Case, reviewer: User, investigator: User) -> None:
    for number in range(1, 28):
        make_item(case, investigator, number=number)
    sign_in(client, reviewer)

    response = client.get(reverse("review:queue"), {"page": 2})

    assert _queue_references(response) == ["UA-2022-0001/E0026", "UA-2022-0001/E0027"]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_queue_page_query_count_does_not_grow_with_rows(
    client: Client, case: Case, reviewer: User, investigator: User, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(1, rows + 1):
        make_item(case, investigator, number=number)
    sign_in(client, reviewer)

    # user, second-factor device, roles (for the second-factor rule; "reviews anywhere?" reads them too),
    # paginator count, integrity banner, the case filter's options, the page's items with their case,
    # the header's unread-notification count.
    with django_assert_num_queries(8):
        response = client.get(reverse("review:queue"))

    assert len(_queue_references(response)) == rows


def test_the_queue_loads_its_script_from_a_static_file_and_has_no_inline_code(
    client: Client, item: EvidenceItem, reviewer: User
) -> None:
    sign_in(client, reviewer)

    content = client.get(reverse("review:queue")).content.decode()

    assert re.findall(r"<script[^>]*>", content) == ['<script src="/static/review/review.js" defer>']
    assert ("<style" in content, " style=" in content, re.search(r"\son[a-z]+=", content)) == (False, False, None)


def test_bulk_start_review_starts_each_selected_item_with_its_own_custody_event(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    items = [make_item(case, investigator, number=number) for number in (1, 2, 3)]
    mine = make_item(case, reviewer, number=4)
    sign_in(client, reviewer)

    response = client.post(
        reverse("review:bulk_start"), {"items": [str(items[0].pk), str(items[2].pk), str(mine.pk), "junk"]}
    )

    assert (response.status_code, response["Location"]) == (302, reverse("review:queue"))
    statuses = dict(EvidenceItem.objects.values_list("number", "review_status"))
    assert statuses == {1: "in_review", 2: "submitted", 3: "in_review", 4: "submitted"}
    assert sorted(CustodyEvent.objects.values_list("item__number", "details__decision")) == [
        (1, "review_started"),
        (3, "review_started"),
    ]


def test_bulk_start_without_a_selection_says_so(client: Client, reviewer: User) -> None:
    sign_in(client, reviewer)

    response = client.post(reverse("review:bulk_start"), {}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "Select at least one submitted item of your review cases."
    ]


# --- An item's review ----------------------------------------------------------------------------


def test_a_reviewer_starts_and_approves_through_the_page(client: Client, reviewer: User, item: EvidenceItem) -> None:
    sign_in(client, reviewer)

    started = client.post(_review_url(item), {"decision": Decision.START})
    approved = client.post(_review_url(item), {"decision": Decision.APPROVE, **_checklist_post(FULL_CHECKLIST)})

    assert (started.status_code, approved.status_code, approved["Location"]) == (302, 302, _review_url(item))
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.APPROVED
    assert ReviewDecision.objects.get(decision=Decision.APPROVE).checklist == FULL_CHECKLIST
    assert custody_verify(item_id=item.pk).ok is True


def test_the_review_page_shows_the_facts_the_checklist_and_the_history(
    client: Client, reviewer: User, item_in_review: EvidenceItem
) -> None:
    sign_in(client, reviewer)

    response = client.get(_review_url(item_in_review))

    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("evidence:item_detail", kwargs={"item_id": item_in_review.pk}) in content
    assert [str(decision) for decision in response.context["decisions"]] == ["approved", "rejected", "needs_info"]
    assert content.count('data-review-key="') == 3
    assert "Is the metadata consistent with the claimed time, place and device?" in content


@pytest.mark.parametrize("field", ["uploaded_by", "collected_by", "last_edited_by"])
def test_four_eyes_is_refused_through_the_page(
    client: Client, case: Case, reviewer: User, investigator: User, field: str
) -> None:
    item = make_item(case, **{"uploaded_by": investigator, field: reviewer}, review_status=ReviewStatus.IN_REVIEW)
    sign_in(client, reviewer)

    page = client.get(_review_url(item))
    response = client.post(_review_url(item), {"decision": Decision.APPROVE, **_checklist_post(FULL_CHECKLIST)})

    assert page.context["decisions"] == []
    assert response.status_code == 403
    assert "someone else must review it (four-eyes rule)" in response.content.decode()
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.IN_REVIEW
    assert CustodyEvent.objects.count() == 0


def test_a_lead_reviews_someone_elses_item_through_the_page(
    client: Client, lead: User, item_in_review: EvidenceItem
) -> None:
    sign_in(client, lead)

    response = client.post(_review_url(item_in_review), {"decision": Decision.REJECT, "reason": "Staged."})

    assert response.status_code == 302
    item_in_review.refresh_from_db()
    assert item_in_review.review_status == ReviewStatus.REJECTED


@pytest.mark.parametrize(
    ("role_user", "status"), [("observer", 403), ("investigator", 403), ("other_case_member", 404), ("outsider", 404)]
)
def test_who_may_open_the_review_page(
    request: pytest.FixtureRequest, client: Client, item: EvidenceItem, role_user: str, status: int
) -> None:
    sign_in(client, request.getfixturevalue(role_user))

    page = client.get(_review_url(item))
    post = client.post(_review_url(item), {"decision": Decision.START})

    assert (page.status_code, post.status_code) == (status, status)
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.SUBMITTED


def test_reject_without_reason_and_approve_with_an_unanswered_checklist_show_field_errors(
    client: Client, reviewer: User, item_in_review: EvidenceItem
) -> None:
    sign_in(client, reviewer)
    partial = {key: FULL_CHECKLIST[key] for key in ("provenance", "credibility")}

    rejected = client.post(_review_url(item_in_review), {"decision": Decision.REJECT, "reason": " "})
    approved = client.post(_review_url(item_in_review), {"decision": Decision.APPROVE, **_checklist_post(partial)})

    assert (rejected.status_code, approved.status_code) == (400, 400)
    assert rejected.context["form"].errors == {"reason": ["Give the reason for rejecting the item."]}
    assert approved.context["form"].errors == {
        checklist_answer_field(key): ["Answer this question before approving."]
        for key in ("independence", "metadata", "geolocation", "chronolocation", "corroboration")
    }
    item_in_review.refresh_from_db()
    assert item_in_review.review_status == ReviewStatus.IN_REVIEW


def test_an_unknown_decision_is_a_field_error(client: Client, reviewer: User, item: EvidenceItem) -> None:
    sign_in(client, reviewer)

    response = client.post(_review_url(item), {"decision": "publish"})

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["decision"]


def test_the_review_page_offers_the_next_item(client: Client, case: Case, reviewer: User, investigator: User) -> None:
    first = make_item(case, investigator, number=1)
    make_item(case, reviewer, number=2)
    third = make_item(case, investigator, number=3)
    sign_in(client, reviewer)

    response = client.get(_review_url(first))

    assert response.context["next_item"] == third


# --- Resubmitting from the item page -------------------------------------------------------------


def test_the_investigator_answers_and_the_item_goes_back_to_submitted(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.IN_REVIEW)
    evidence_review_decide(item=item, user=reviewer, decision=Decision.NEEDS_INFO, question="Who filmed it?")
    sign_in(client, investigator)

    detail = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk}))
    response = client.post(reverse("review:resubmit", kwargs={"item_id": item.pk}), {"answer": "My neighbour."})

    assert "Answer and resubmit" in detail.content.decode()
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.SUBMITTED
    assert ReviewDecision.objects.latest("id").answer == "My neighbour."


def test_a_reviewer_cannot_resubmit_for_the_investigator(
    client: Client, case: Case, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.NEEDS_INFO)
    sign_in(client, reviewer)

    response = client.post(reverse("review:resubmit", kwargs={"item_id": item.pk}), {"answer": "Guess."})

    assert response.status_code == 403


# --- The panel on the evidence item page ---------------------------------------------------------


def test_the_panel_shows_the_history_and_the_review_link(
    client: Client, reviewer: User, lead: User, item: EvidenceItem
) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=lead)
    evidence_review_decide(item=item, user=lead, decision=Decision.START)
    evidence_review_decide(item=item, user=lead, decision=Decision.NEEDS_INFO, question="Which street?")
    sign_in(client, reviewer)

    content = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk})).content.decode()

    assert "Review state: Needs more information" in content
    assert "Which street?" in content
    assert content.count("by lena") == 2
    assert f'href="{_review_url(item)}"' in content


def test_the_panel_explains_the_four_eyes_rule_instead_of_linking(client: Client, case: Case, reviewer: User) -> None:
    item = make_item(case, reviewer)
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=reviewer)
    sign_in(client, reviewer)

    content = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk})).content.decode()

    assert "You uploaded this item, so someone else must review it (four-eyes rule)." in content
    assert f'href="{_review_url(item)}"' not in content


def test_the_panel_offers_no_review_to_an_observer(client: Client, observer: User, item: EvidenceItem) -> None:
    custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=observer)
    sign_in(client, observer)

    content = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk})).content.decode()

    assert "Review state: Submitted" in content
    assert _review_url(item) not in content


# --- Incident verification -----------------------------------------------------------------------


def test_a_reviewer_sets_the_verification_status_on_the_page(client: Client, case: Case, reviewer: User) -> None:
    incident = IncidentFactory(case=case)
    url = reverse("review:incident_verification", kwargs={"incident_id": incident.pk})
    sign_in(client, reviewer)

    response = client.post(url, {"status": "verified", "reason": "Geolocated and corroborated."})
    page = client.get(url)

    assert (response.status_code, response["Location"]) == (302, url)
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.VERIFIED
    assert [(c.from_status, c.to_status, c.reason) for c in page.context["history"]] == [
        ("unverified", "verified", "Geolocated and corroborated.")
    ]


def test_the_verification_page_refuses_a_missing_reason_with_a_field_error(
    client: Client, case: Case, reviewer: User
) -> None:
    incident = IncidentFactory(case=case)
    sign_in(client, reviewer)

    response = client.post(
        reverse("review:incident_verification", kwargs={"incident_id": incident.pk}), {"status": "verified"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert IncidentVerificationChange.objects.count() == 0


@pytest.mark.parametrize(
    ("role_user", "status"), [("observer", 403), ("investigator", 403), ("other_case_member", 404), ("outsider", 404)]
)
def test_who_may_open_the_verification_page(
    request: pytest.FixtureRequest, client: Client, case: Case, role_user: str, status: int
) -> None:
    incident = IncidentFactory(case=case)
    sign_in(client, request.getfixturevalue(role_user))

    response = client.post(
        reverse("review:incident_verification", kwargs={"incident_id": incident.pk}),
        {"status": "verified", "reason": "Sure."},
    )

    assert response.status_code == status
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED
