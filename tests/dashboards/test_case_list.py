"""The case list (home page): each case the user belongs to, with what they may see of it counted."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.dashboards.selectors import case_rows_for_user
from apps.evidence.enums import ConsentStatus, IntegrityStatus, ReviewStatus
from tests.cases.conftest import People, sign_in
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fill_case(people: People) -> None:
    IncidentFactory(case=people.case)
    IncidentFactory(case=people.case)
    EvidenceItemFactory(case=people.case)  # submitted
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.IN_REVIEW)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED, integrity_status=IntegrityStatus.FAILED)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.REJECTED, reveals_witness_identity=True)
    EvidenceItemFactory(
        case=people.case,
        review_status=ReviewStatus.NEEDS_INFO,
        consent_status=ConsentStatus.REFUSED,
        integrity_status=IntegrityStatus.FAILED,
    )
    other_case = people.other_member.case_memberships.get().case
    EvidenceItemFactory(case=other_case, review_status=ReviewStatus.APPROVED)


def _counts(people: People, who: str) -> dict[str, object]:
    (row,) = case_rows_for_user(user=people.by_name(who))
    return {
        "incidents": row.incidents,
        "evidence": row.evidence,
        "review": {count.status.value: count.count for count in row.by_review_status},
        "integrity": row.integrity_failures,
    }


def test_a_lead_sees_every_count_of_the_case(people: People) -> None:
    _fill_case(people)

    assert _counts(people, "lead") == {
        "incidents": 2,
        "evidence": 5,
        "review": {"submitted": 1, "in_review": 1, "approved": 1, "rejected": 1, "needs_info": 1},
        "integrity": 2,
    }


def test_an_observers_counts_leave_out_identity_restricted_items(people: People) -> None:
    _fill_case(people)

    assert _counts(people, "observer") == {
        "incidents": 2,
        "evidence": 3,
        "review": {"submitted": 1, "in_review": 1, "approved": 1, "rejected": 0, "needs_info": 0},
        "integrity": 1,
    }


def test_the_page_shows_the_counts_and_links_each_dashboard(client: Client, people: People) -> None:
    _fill_case(people)
    sign_in(client, people.reviewer)

    html = client.get(reverse("home")).content.decode()

    row = html.split(f'id="case-{people.case.pk}"', 1)[1].split("</tr>", 1)[0]
    counts = dict(re.findall(r'data-count="([a-z_-]+)">(?:<span[^>]*>)?([^<]*?)(?:</span>)?</(?:td|li)>', row))
    assert counts == {
        "incidents": "2",
        "evidence": "5",
        "review-submitted": "Submitted: 1",
        "review-in_review": "In review: 1",
        "review-approved": "Approved: 1",
        "review-rejected": "Rejected: 1",
        "review-needs_info": "Needs more information: 1",
        "integrity": "2",
    }
    assert reverse("dashboards:case_dashboard", kwargs={"case_id": people.case.pk}) in row
    assert "UA-2022-0002" not in html  # another case's row


def test_a_user_without_cases_is_told_how_to_get_one(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.get(reverse("home"))

    assert response.context["rows"] == []
    assert "A case lead can add you." in response.content.decode()


@pytest.mark.parametrize("cases", [1, 3])
def test_the_case_list_costs_the_same_number_of_queries_for_one_case_or_three(client: Client, cases: int) -> None:
    user = UserFactory()
    for _ in range(cases):
        case = CaseFactory()
        MembershipFactory(user=user, case=case, role=CaseRole.INVESTIGATOR)
        IncidentFactory(case=case)
        EvidenceItemFactory(case=case, review_status=ReviewStatus.APPROVED)
        EvidenceItemFactory(case=case, integrity_status=IntegrityStatus.FAILED)
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    # user, roles, integrity banner, unread notifications, cases with counts, evidence by state (the session
    # is read from the cache)
    assert (len(queries), len(response.context["rows"])) == (6, cases)
    assert [row.integrity_failures for row in response.context["rows"]] == [1] * cases
