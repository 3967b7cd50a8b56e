"""The review history endpoints list rows: their query count must not grow with the rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.enums import Decision
from apps.review.services import evidence_review_decide, incident_verification_set
from tests.factories import IncidentFactory
from tests.review.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [1, 3])
def test_the_item_history_endpoint_query_count_does_not_grow_with_decisions(
    client: Client, reviewer: User, item: EvidenceItem, django_assert_num_queries: Any, rows: int
) -> None:
    evidence_review_decide(item=item, user=reviewer, decision=Decision.START)
    for number in range(rows - 1):
        evidence_review_decide(item=item, user=reviewer, decision=Decision.NEEDS_INFO, question=f"Where? {number}")
        item.refresh_from_db()
        item.review_status = "in_review"  # back in review, as after a resubmission and a new start
        item.save(update_fields=["review_status"])
    sign_in(client, reviewer)

    # user, second-factor device, roles, the item, its decisions with their reviewers
    with django_assert_num_queries(5):
        response = client.get(reverse("api:evidence-reviews", args=[item.pk]))

    assert len(response.json()["decisions"]) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_the_incident_verification_endpoint_query_count_does_not_grow_with_changes(
    client: Client, case: Case, reviewer: User, django_assert_num_queries: Any, rows: int
) -> None:
    incident = IncidentFactory(case=case)
    statuses = [VerificationStatus.PARTIALLY_VERIFIED, VerificationStatus.VERIFIED, VerificationStatus.DISPUTED]
    for status in statuses[:rows]:
        incident_verification_set(incident=incident, user=reviewer, status=status, reason=f"because {status}")
    sign_in(client, reviewer)

    # user, second-factor device, roles, the incident, its changes with who made them
    with django_assert_num_queries(5):
        response = client.get(reverse("api:incident-verification", args=[incident.pk]))

    assert len(response.json()["history"]) == rows
