"""A closed case is read-only for the review workflow: no review step, no resubmission, no verification change.

Each refusal leaves everything as it was (the item's state, no decision row, no custody event, no history row),
and says why in the user's words; the pages show what was decided and offer no step; the queue leaves the case's
items out. Reopening the case (a lead) makes its items reviewable again.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.cases.models import Case
from apps.cases.services import case_close, case_reopen
from apps.custody.models import CustodyEvent
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision
from apps.review.models import IncidentVerificationChange, ReviewDecision
from apps.review.permissions import CASE_CLOSED_REFUSED
from apps.review.services import ReviewNotAllowedError, evidence_review_decide, incident_verification_set
from tests.factories import IncidentFactory
from tests.problems import problem
from tests.review.conftest import FULL_CHECKLIST, make_item, sign_in
from tests.review.test_views import _checklist_post

pytestmark = pytest.mark.django_db

CLOSED_MESSAGE = str(CASE_CLOSED_REFUSED)


def _written(item: EvidenceItem) -> tuple[int, int]:
    """What a review step writes: decision rows and custody events of the item."""
    return ReviewDecision.objects.filter(item=item).count(), CustodyEvent.objects.filter(item=item).count()


def _review_url(item: EvidenceItem) -> str:
    return reverse("review:item", kwargs={"item_id": item.pk})


# --- Services --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "decision", "fields"),
    [
        (ReviewStatus.SUBMITTED, Decision.START, {}),
        (ReviewStatus.IN_REVIEW, Decision.APPROVE, {"checklist": FULL_CHECKLIST}),
        (ReviewStatus.IN_REVIEW, Decision.REJECT, {"reason": "Staged."}),
        (ReviewStatus.IN_REVIEW, Decision.NEEDS_INFO, {"question": "Who filmed it?"}),
    ],
)
def test_no_reviewer_step_is_taken_in_a_closed_case(
    case: Case, lead: User, reviewer: User, investigator: User, status: str, decision: Decision, fields: dict
) -> None:
    item = make_item(case, investigator, review_status=status)
    case_close(case=case, closed_by=lead)
    before = _written(item)

    with pytest.raises(ReviewNotAllowedError) as refused:
        evidence_review_decide(item=item, user=reviewer, decision=decision, **fields)

    assert str(refused.value) == CLOSED_MESSAGE
    item.refresh_from_db()
    assert (item.review_status, _written(item)) == (status, before)


def test_the_investigator_cannot_resubmit_in_a_closed_case(
    case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.IN_REVIEW)
    evidence_review_decide(item=item, user=reviewer, decision=Decision.NEEDS_INFO, question="Who filmed it?")
    case_close(case=case, closed_by=lead)
    before = _written(item)

    with pytest.raises(ReviewNotAllowedError, match="closed"):
        evidence_review_decide(item=item, user=investigator, decision=Decision.RESUBMIT, answer="My neighbour.")

    item.refresh_from_db()
    assert (item.review_status, _written(item)) == (ReviewStatus.NEEDS_INFO, before)


def test_the_verification_status_does_not_change_in_a_closed_case(case: Case, lead: User, reviewer: User) -> None:
    incident = IncidentFactory(case=case)
    case_close(case=case, closed_by=lead)

    with pytest.raises(ReviewNotAllowedError) as refused:
        incident_verification_set(incident=incident, user=reviewer, status="verified", reason="Two sources agree.")

    assert str(refused.value) == CLOSED_MESSAGE
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED
    assert not IncidentVerificationChange.objects.filter(incident=incident).exists()


def test_reopening_the_case_makes_its_items_reviewable_again(
    case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator)
    case_close(case=case, closed_by=lead)
    case_reopen(case=case, reopened_by=lead)

    evidence_review_decide(item=item, user=reviewer, decision=Decision.START)

    item.refresh_from_db()
    assert item.review_status == ReviewStatus.IN_REVIEW


# --- Pages -------------------------------------------------------------------------------------------


def test_the_review_page_shows_the_item_but_offers_no_step_in_a_closed_case(
    client: Client, case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.IN_REVIEW)
    case_close(case=case, closed_by=lead)
    sign_in(client, reviewer)

    page = client.get(_review_url(item))
    posted = client.post(_review_url(item), {"decision": Decision.APPROVE, **_checklist_post(FULL_CHECKLIST)})

    content = page.content.decode()
    assert page.status_code == 200
    assert CLOSED_MESSAGE in content
    assert 'name="decision"' not in content
    assert posted.status_code == 403
    assert CLOSED_MESSAGE in posted.content.decode()
    item.refresh_from_db()
    assert (item.review_status, _written(item)) == (ReviewStatus.IN_REVIEW, (0, 0))


def test_the_item_page_says_the_case_is_closed_instead_of_offering_a_review(
    client: Client, case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator)
    case_close(case=case, closed_by=lead)
    sign_in(client, reviewer)

    content = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk})).content.decode()

    assert CLOSED_MESSAGE in content
    assert _review_url(item) not in content


def test_the_resubmit_form_is_gone_and_refused_in_a_closed_case(
    client: Client, case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, review_status=ReviewStatus.IN_REVIEW)
    evidence_review_decide(item=item, user=reviewer, decision=Decision.NEEDS_INFO, question="Who filmed it?")
    case_close(case=case, closed_by=lead)
    sign_in(client, investigator)

    detail = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk}))
    response = client.post(reverse("review:resubmit", kwargs={"item_id": item.pk}), {"answer": "My neighbour."})

    assert "Answer and resubmit" not in detail.content.decode()
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.NEEDS_INFO


def test_the_verification_page_shows_the_history_without_a_form_in_a_closed_case(
    client: Client, case: Case, lead: User, reviewer: User
) -> None:
    incident = IncidentFactory(case=case)
    incident_verification_set(incident=incident, user=reviewer, status="disputed", reason="Two accounts differ.")
    case_close(case=case, closed_by=lead)
    url = reverse("review:incident_verification", kwargs={"incident_id": incident.pk})
    sign_in(client, reviewer)

    page = client.get(url)
    posted = client.post(url, {"status": "verified", "reason": "Settled."})
    incident_page = client.get(reverse("incidents:detail", kwargs={"incident_id": incident.pk})).content.decode()

    content = page.content.decode()
    assert (page.status_code, posted.status_code) == (200, 403)
    assert CLOSED_MESSAGE in content
    assert "Two accounts differ." in content
    assert 'name="reason"' not in content
    assert url not in incident_page  # no "change the verification status" link
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.DISPUTED


def test_the_queue_leaves_out_the_items_of_closed_cases(
    client: Client, case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator, original_filename="crater.jpg")
    sign_in(client, reviewer)
    listed_while_open = item.reference in client.get(reverse("review:queue")).content.decode()
    case_close(case=case, closed_by=lead)

    page = client.get(reverse("review:queue")).content.decode()
    api = client.get(reverse("api:review-queue")).json()

    assert listed_while_open
    assert item.reference not in page
    assert "You are not a reviewer" not in page  # still a reviewer; the page says why closed cases are absent
    assert "Items of closed cases are not listed" in page
    assert api["results"] == []


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_refuses_a_review_step_in_a_closed_case_with_the_reason(
    client: Client, case: Case, lead: User, reviewer: User, investigator: User
) -> None:
    item = make_item(case, investigator)
    case_close(case=case, closed_by=lead)
    sign_in(client, reviewer)

    response = client.post(
        reverse("api:evidence-review", kwargs={"item_id": item.pk}),
        {"decision": "start"},
        content_type="application/json",
    )

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_MESSAGE)
    item.refresh_from_db()
    assert (item.review_status, _written(item)) == (ReviewStatus.SUBMITTED, (0, 0))


def test_the_api_refuses_a_verification_change_in_a_closed_case(
    client: Client, case: Case, lead: User, reviewer: User
) -> None:
    incident = IncidentFactory(case=case)
    case_close(case=case, closed_by=lead)
    sign_in(client, reviewer)
    url = reverse("api:incident-verification", kwargs={"incident_id": incident.pk})

    response = client.post(url, {"status": "verified", "reason": "Settled."}, content_type="application/json")
    history = client.get(url)

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_MESSAGE)
    assert history.status_code == 200  # still readable
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED
