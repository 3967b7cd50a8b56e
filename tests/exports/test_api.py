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
from apps.cases.models import Case
from apps.exports.enums import ExportStatus
from apps.exports.models import ExportBundle
from tests.accounts.helpers import login_verified
from tests.exports.test_views import client_for, make_bundle, zip_bytes
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory

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


@pytest.mark.parametrize(("role", "expected"), [("lead", 201), *ROLE_STATUSES])
def test_only_leads_start_exports(case: Case, lead: User, role: str, expected: int) -> None:
    response = client_for(case, role).post(
        reverse("api:case-exports", kwargs={"case_id": case.pk}), request_body(), content_type=JSON
    )

    assert (response.status_code, ExportBundle.objects.count()) == (expected, 1 if expected == 201 else 0)


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

    assert (response.status_code, response.json(), ExportBundle.objects.count()) == (
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

    assert (response.status_code, response.json()) == (
        409,
        {"detail": "Only a finished bundle can be downloaded.", "status": "pending"},
    )


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
