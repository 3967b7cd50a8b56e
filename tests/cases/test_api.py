"""The cases API: the user's cases with their role and counts; another case answers 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.evidence.enums import ConsentStatus
from tests.cases.conftest import People, sign_in
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory
from tests.problems import problem

pytestmark = pytest.mark.django_db

LIST = reverse("api:case-list")


def detail(case: Case) -> str:
    return reverse("api:case-detail", kwargs={"case_id": case.pk})


def test_a_member_lists_their_cases_with_role_and_counts(client: Client, people: People) -> None:
    IncidentFactory(case=people.case)
    EvidenceItemFactory(case=people.case)
    EvidenceItemFactory(case=people.case, reveals_witness_identity=True)
    second = CaseFactory(reference="UA-2022-0003", title="Bucha", description="Second case")
    MembershipFactory(case=second, user=people.investigator, role=CaseRole.LEAD)
    sign_in(client, people.investigator)

    response = client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    assert [
        {
            key: row[key]
            for key in ("reference", "title", "description", "status", "role", "incident_count", "evidence_count")
        }
        for row in body["results"]
    ] == [
        {
            "reference": "UA-2022-0001",
            "title": "Kharkiv shelling",
            "description": "",
            "status": "open",
            "role": "investigator",
            "incident_count": 1,
            "evidence_count": 2,
        },
        {
            "reference": "UA-2022-0003",
            "title": "Bucha",
            "description": "Second case",
            "status": "open",
            "role": "lead",
            "incident_count": 0,
            "evidence_count": 0,
        },
    ]
    assert body["results"][0]["id"] == str(people.case.pk)


def test_an_observers_evidence_count_leaves_out_restricted_items(client: Client, people: People) -> None:
    EvidenceItemFactory(case=people.case)
    EvidenceItemFactory(case=people.case, consent_status=ConsentStatus.REFUSED)
    sign_in(client, people.observer)

    response = client.get(LIST)

    [row] = response.json()["results"]
    assert (row["role"], row["evidence_count"]) == ("observer", 1)


def test_an_outsider_gets_an_empty_list(client: Client, people: People) -> None:
    sign_in(client, people.outsider)

    response = client.get(LIST)

    assert (response.status_code, response.json()["results"]) == (200, [])


def test_an_anonymous_call_is_refused_with_401(client: Client, people: People) -> None:
    response = client.get(LIST)

    assert response.status_code == 401
    assert problem(response)["status"] == 401


def test_search_finds_cases_by_title(client: Client, people: People) -> None:
    other = CaseFactory(reference="UA-2022-0009", title="Mariupol theatre")
    MembershipFactory(case=other, user=people.lead, role=CaseRole.LEAD)
    sign_in(client, people.lead)

    response = client.get(LIST, {"search": "mariupol"})

    assert [row["reference"] for row in response.json()["results"]] == ["UA-2022-0009"]


def test_sparse_fields_keep_only_those_asked_for_and_the_id(client: Client, people: People) -> None:
    sign_in(client, people.reviewer)

    response = client.get(LIST, {"fields": "reference,role"})

    assert response.json()["results"] == [{"id": str(people.case.pk), "reference": "UA-2022-0001", "role": "reviewer"}]


def test_the_list_pages_with_a_cursor(client: Client, people: People) -> None:
    for number in (3, 4):
        MembershipFactory(case=CaseFactory(reference=f"UA-2022-000{number}"), user=people.lead, role=CaseRole.LEAD)
    sign_in(client, people.lead)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["reference"] for row in first["results"]] == ["UA-2022-0001", "UA-2022-0003"]
    assert [row["reference"] for row in second["results"]] == ["UA-2022-0004"]
    assert second["next"] is None


def test_a_member_reads_their_case(client: Client, people: People) -> None:
    sign_in(client, people.observer)

    response = client.get(detail(people.case))

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("id", "reference", "role", "incident_count", "evidence_count")} == {
        "id": str(people.case.pk),
        "reference": "UA-2022-0001",
        "role": "observer",
        "incident_count": 0,
        "evidence_count": 0,
    }


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_case_one_is_not_a_member_of_answers_404(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    response = client.get(detail(people.case))

    assert response.status_code == 404
    assert problem(response)["status"] == 404


def test_a_token_sees_only_its_cases(client: Client, people: People) -> None:
    second = CaseFactory(reference="UA-2022-0005")
    MembershipFactory(case=second, user=people.investigator)
    _token, secret = apitoken_create(owner=people.investigator, name="script", cases=[second], access=TokenAccess.READ)
    headers = {"Authorization": f"Bearer {secret}"}

    listed = client.get(LIST, headers=headers)
    other = client.get(detail(people.case), headers=headers)

    assert [row["reference"] for row in listed.json()["results"]] == ["UA-2022-0005"]
    assert other.status_code == 404


def test_the_cases_are_read_only(client: Client, people: People) -> None:
    sign_in(client, people.lead)

    response = client.patch(detail(people.case), {"title": "New"}, content_type="application/json")

    assert response.status_code == 405
    assert Case.objects.get(pk=people.case.pk).title == "Kharkiv shelling"


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_cases(
    client: Client, people: People, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(rows - 1):
        extra = CaseFactory(reference=f"UA-2023-000{number}")
        MembershipFactory(case=extra, user=people.investigator)
        IncidentFactory(case=extra)
        EvidenceItemFactory(case=extra)
    sign_in(client, people.investigator)

    # user, second-factor device, the cases with their counts, roles
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == rows
