"""The case bundle API: access for each role, starting an export, the register, progress, the download."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.models import Case
from apps.exports.enums import ExportStatus
from apps.exports.models import ExportBundle
from tests.accounts.helpers import login_verified
from tests.exports.test_views import client_for, make_bundle, zip_bytes
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def lead(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.LEAD).user


@pytest.fixture
def lead_client(lead: User) -> Client:
    client = Client()
    login_verified(client, lead)
    return client


def request_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "recipient_type": "national_prosecutor",
        "recipient_organisation": "Office of the Prosecutor General",
        "purpose": "Criminal proceedings 12023000000000123",
    }
    body.update(overrides)
    return body


# --- Access -----------------------------------------------------------------------------------------

ROLE_STATUSES = [
    ("investigator", 403),
    ("reviewer", 403),
    ("observer", 403),
    ("other", 404),
    ("outsider", 404),
]


@pytest.mark.parametrize(("role", "expected"), [("lead", 200), *ROLE_STATUSES])
def test_the_register_is_for_leads_of_the_case(case: Case, lead: User, role: str, expected: int) -> None:
    response = client_for(case, role).get(reverse("api:case-exports", kwargs={"case_id": case.pk}))

    assert response.status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("lead", 202), *ROLE_STATUSES])
def test_only_leads_start_exports(case: Case, lead: User, role: str, expected: int) -> None:
    response = client_for(case, role).post(
        reverse("api:case-exports", kwargs={"case_id": case.pk}), request_body(), content_type=JSON
    )

    assert (response.status_code, ExportBundle.objects.count()) == (expected, 1 if expected == 202 else 0)
    if expected == 403:
        assert problem(response)["detail"] == "Only leads of the case can export it and see its bundles."


@pytest.mark.parametrize("route", ["api:export-detail", "api:export-download"])
@pytest.mark.parametrize(("role", "expected"), [("lead", 200), *ROLE_STATUSES])
def test_a_bundle_is_for_leads_of_its_case(case: Case, lead: User, route: str, role: str, expected: int) -> None:
    bundle = make_bundle(case, lead)

    response = client_for(case, role).get(reverse(route, kwargs={"bundle_id": bundle.pk}))

    assert response.status_code == expected
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def test_anonymous_requests_are_refused(case: Case, lead: User) -> None:
    bundle = make_bundle(case, lead)
    client = Client()

    statuses = [
        client.get(reverse("api:case-exports", kwargs={"case_id": case.pk})).status_code,
        client.post(reverse("api:case-exports", kwargs={"case_id": case.pk}), request_body()).status_code,
        client.get(reverse("api:export-detail", kwargs={"bundle_id": bundle.pk})).status_code,
        client.get(reverse("api:export-download", kwargs={"bundle_id": bundle.pk})).status_code,
    ]

    assert statuses == [401, 401, 401, 401]


# --- Starting an export -----------------------------------------------------------------------------


def test_a_lead_starts_an_export_of_chosen_incidents(case: Case, lead: User, lead_client: Client) -> None:
    chosen = IncidentFactory(case=case)

    response = lead_client.post(
        reverse("api:case-exports", kwargs={"case_id": case.pk}),
        request_body(incidents=[str(chosen.pk)], include_pending=True),
        content_type=JSON,
    )

    bundle = ExportBundle.objects.get()
    data = response.json()
    assert (response.status_code, response["Location"]) == (
        202,
        reverse("api:export-detail", kwargs={"bundle_id": bundle.pk}),
    )
    assert (
        data["id"],
        data["status"],
        data["requested_by"],
        data["incidents"],
        data["include_pending"],
        data["include_derivatives"],
        data["recipient_person"],
        data["download"],
    ) == (str(bundle.pk), "pending", lead.username, [str(chosen.pk)], True, False, "", None)
    assert list(bundle.incidents.all()) == [chosen]


def test_starting_an_export_with_bad_input_gives_field_errors(case: Case, lead_client: Client) -> None:
    foreign = IncidentFactory(case=CaseFactory())

    response = lead_client.post(
        reverse("api:case-exports", kwargs={"case_id": case.pk}),
        {"recipient_type": "nobody", "incidents": [str(foreign.pk)]},
        content_type=JSON,
    )

    assert (response.status_code, field_errors(response), ExportBundle.objects.count()) == (
        400,
        {
            "recipient_type": ['"nobody" is not a valid choice.'],
            "recipient_organisation": ["This field is required."],
            "purpose": ["This field is required."],
            "incidents": ["Every incident must be an incident of this case."],
        },
        0,
    )


# --- Status, progress, download ---------------------------------------------------------------------


def test_the_detail_gives_status_and_progress(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.BUILDING, progress_done=300, progress_total=1200)

    data = lead_client.get(reverse("api:export-detail", kwargs={"bundle_id": bundle.pk})).json()

    assert {key: data[key] for key in ("status", "progress_done", "progress_total", "percent", "download")} == {
        "status": "building",
        "progress_done": 300,
        "progress_total": 1200,
        "percent": 25,
        "download": None,
    }


def test_a_done_bundle_names_its_download_and_serves_the_zip(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead)

    data = lead_client.get(reverse("api:export-detail", kwargs={"bundle_id": bundle.pk})).json()
    response = lead_client.get(data["download"])

    assert (
        data["download"],
        data["sha256"],
        data["percent"],
        response.status_code,
        response["Content-Type"],
        b"".join(response.streaming_content),
    ) == (
        reverse("api:export-download", kwargs={"bundle_id": bundle.pk}),
        "sha256:" + "e" * 64,
        100,
        200,
        "application/zip",
        zip_bytes(),
    )


def test_an_unfinished_bundle_is_not_downloadable(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.PENDING)

    response = lead_client.get(reverse("api:export-download", kwargs={"bundle_id": bundle.pk}))

    assert problem(response) == {
        "type": "https://custos.invalid/problems/bundle-not-ready",
        "title": "The request conflicts with the current state.",
        "status": 409,
        "detail": "Only a finished bundle can be downloaded.",
    }


# --- The list ---------------------------------------------------------------------------------------


def test_the_register_lists_only_this_cases_bundles_newest_first(case: Case, lead: User, lead_client: Client) -> None:
    older = make_bundle(case, lead)
    newer = make_bundle(case, lead, status=ExportStatus.FAILED, error="Fixity check failed")
    make_bundle(CaseFactory(), lead)

    data = lead_client.get(reverse("api:case-exports", kwargs={"case_id": case.pk})).json()

    assert [(row["id"], row["status"]) for row in data["results"]] == [
        (str(newer.pk), "failed"),
        (str(older.pk), "done"),
    ]


def _list_queries(client: Client, case: Case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("api:case-exports", kwargs={"case_id": case.pk}))
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_as_many_queries_for_three_bundles_as_for_one(
    case: Case, lead: User, lead_client: Client
) -> None:
    incident = IncidentFactory(case=case)
    make_bundle(case, lead).incidents.set([incident])
    one = _list_queries(lead_client, case)
    make_bundle(case, lead).incidents.set([incident])
    make_bundle(case, lead, status=ExportStatus.BUILDING)

    three = _list_queries(lead_client, case)

    assert three == one


def test_the_register_filters_by_status_and_pages_with_cursors(case: Case, lead: User, lead_client: Client) -> None:
    done = [make_bundle(case, lead) for _ in range(3)]
    make_bundle(case, lead, status=ExportStatus.FAILED, error="Fixity check failed")
    url = reverse("api:case-exports", kwargs={"case_id": case.pk})

    first = lead_client.get(url, {"status": "done", "page_size": 2, "fields": "status"}).json()
    second = lead_client.get(first["next"]).json()
    invalid = lead_client.get(url, {"status": "lost"})

    assert first["results"] + second["results"] == [
        {"id": str(bundle.pk), "status": "done"} for bundle in reversed(done)
    ]
    assert (first["previous"], second["next"]) == (None, None)
    assert (invalid.status_code, field_errors(invalid)) == (
        400,
        {"status": ["Select a valid choice. lost is not one of the available choices."]},
    )


@pytest.mark.parametrize("rows", [1, 3])
def test_the_filtered_register_runs_as_many_queries_for_three_bundles_as_for_one(
    case: Case, lead: User, lead_client: Client, django_assert_num_queries: Any, rows: int
) -> None:
    incident = IncidentFactory(case=case)
    for _ in range(rows):
        make_bundle(case, lead).incidents.set([incident])

    # user, second-factor device, roles, the case with the membership, the page, its incidents
    with django_assert_num_queries(6):
        response = lead_client.get(reverse("api:case-exports", kwargs={"case_id": case.pk}), {"status": "done"})

    assert len(response.json()["results"]) == rows


def test_the_zip_can_be_asked_for_by_its_media_type(case: Case, lead: User, lead_client: Client) -> None:
    done = make_bundle(case, lead)
    pending = make_bundle(case, lead, status=ExportStatus.PENDING)

    response = lead_client.get(
        reverse("api:export-download", kwargs={"bundle_id": done.pk}), headers={"Accept": "application/zip"}
    )
    not_ready = lead_client.get(
        reverse("api:export-download", kwargs={"bundle_id": pending.pk}), headers={"Accept": "application/zip"}
    )

    assert (response.status_code, response["Content-Type"], b"".join(response.streaming_content)) == (
        200,
        "application/zip",
        zip_bytes(),
    )
    assert (not_ready.status_code, problem(not_ready)["detail"]) == (409, "Only a finished bundle can be downloaded.")


def test_a_read_only_token_reads_the_register_but_cannot_start_an_export(case: Case, lead: User) -> None:
    make_bundle(case, lead)
    _token, secret = apitoken_create(owner=lead, name="reader", cases=[case], access=TokenAccess.READ)
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    url = reverse("api:case-exports", kwargs={"case_id": case.pk})

    listed = client.get(url)
    refused = client.post(url, request_body(), content_type=JSON)

    assert (listed.status_code, len(listed.json()["results"]), refused.status_code) == (200, 1, 403)
    assert ExportBundle.objects.count() == 1


def test_a_write_token_of_a_lead_starts_an_export(case: Case, lead: User) -> None:
    _token, secret = apitoken_create(owner=lead, name="writer", cases=[case], access=TokenAccess.WRITE)
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    response = client.post(reverse("api:case-exports", kwargs={"case_id": case.pk}), request_body(), content_type=JSON)

    assert (response.status_code, response.json()["status"], ExportBundle.objects.count()) == (202, "pending", 1)
