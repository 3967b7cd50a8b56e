"""The case bundle pages: the form and register, a bundle's page and progress, the expiring download link."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from django.core import mail, signing
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.comments.models import Notification
from apps.evidence.storage import evidence_storage
from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.links import DOWNLOAD_SALT, download_token
from apps.exports.models import ExportBundle
from apps.exports.notify import notification_export_ready
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        # A fixed time: the same bytes on every call (a ZIP entry records its time, to two seconds).
        entry = zipfile.ZipInfo("bag/bagit.txt", date_time=(2022, 3, 6, 12, 0, 0))
        archive.writestr(entry, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    return buffer.getvalue()


def make_bundle(case: Case, requested_by: User, *, status: str = ExportStatus.DONE, **fields: Any) -> ExportBundle:
    """A register row; a done one has its ZIP in the evidence storage."""
    bundle = ExportBundle.objects.create(
        case=case,
        requested_by=requested_by,
        status=status,
        recipient_type=RecipientType.ICC,
        recipient_organisation="Office of the Prosecutor",
        recipient_person="J. Doe",
        purpose="Article 15 communication",
        **fields,
    )
    if status == ExportStatus.DONE:
        content = zip_bytes()
        name = evidence_storage().save(f"exports/{bundle.pk}.zip", ContentFile(content))
        bundle.storage_name = name
        bundle.size_bytes = len(content)
        bundle.sha256 = "sha256:" + "e" * 64
        bundle.item_count = 1
        bundle.finished_at = timezone.now()
        bundle.progress_done = bundle.progress_total = len(content)
        bundle.save()
    return bundle


@pytest.fixture
def lead(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.LEAD, user__email="lead@example.org").user


@pytest.fixture
def lead_client(lead: User) -> Client:
    client = Client()
    login_verified(client, lead)
    return client


def client_for(case: Case, role: str) -> Client:
    """A signed-in client for: a member with the role, a lead of another case ("other"), an outsider."""
    if role == "other":
        user = MembershipFactory(case=CaseFactory(), role=CaseRole.LEAD).user
    elif role == "outsider":
        user = UserFactory()
    else:
        user = MembershipFactory(case=case, role=CaseRole(role)).user
    client = Client()
    login_verified(client, user)
    return client


def valid_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "scope": "case",
        "recipient_type": "icc",
        "recipient_organisation": "Office of the Prosecutor",
        "recipient_person": "J. Doe",
        "purpose": "Article 15 communication",
    }
    data.update(overrides)
    return data


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [("lead", 200), ("investigator", 403), ("reviewer", 403), ("observer", 403), ("other", 404), ("outsider", 404)],
)
def test_case_exports_page_is_for_leads_of_the_case(case: Case, lead: User, role: str, expected: int) -> None:
    response = client_for(case, role).get(reverse("exports:case_exports", kwargs={"case_id": case.pk}))

    assert response.status_code == expected


@pytest.mark.parametrize("route", ["exports:detail", "exports:progress", "exports:download"])
@pytest.mark.parametrize(
    ("role", "expected"),
    [("investigator", 403), ("reviewer", 403), ("observer", 403), ("other", 404), ("outsider", 404)],
)
def test_bundle_pages_are_for_leads_of_the_case(case: Case, lead: User, route: str, role: str, expected: int) -> None:
    bundle = make_bundle(case, lead)

    response = client_for(case, role).get(
        reverse(route, kwargs={"bundle_id": bundle.pk}), {"token": download_token(bundle=bundle)}
    )

    assert response.status_code == expected


def test_anonymous_visitors_are_sent_to_sign_in(case: Case, lead: User) -> None:
    bundle = make_bundle(case, lead)
    urls = [
        reverse("exports:case_exports", kwargs={"case_id": case.pk}),
        reverse("exports:detail", kwargs={"bundle_id": bundle.pk}),
        reverse("exports:progress", kwargs={"bundle_id": bundle.pk}),
        reverse("exports:download", kwargs={"bundle_id": bundle.pk}),
    ]

    statuses = [Client().get(url).status_code for url in urls]

    assert statuses == [302, 302, 302, 302]


# --- The form ---------------------------------------------------------------------------------------


def test_a_lead_starts_an_export_of_the_whole_case(case: Case, lead: User, lead_client: Client) -> None:
    response = lead_client.post(reverse("exports:case_exports", kwargs={"case_id": case.pk}), valid_form())

    bundle = ExportBundle.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("exports:detail", kwargs={"bundle_id": bundle.pk}),
    )
    assert (
        bundle.case,
        bundle.requested_by,
        bundle.status,
        bundle.recipient_type,
        bundle.recipient_organisation,
        bundle.recipient_person,
        bundle.purpose,
        bundle.include_pending,
        bundle.include_derivatives,
        list(bundle.incidents.all()),
    ) == (
        case,
        lead,
        ExportStatus.PENDING,
        "icc",
        "Office of the Prosecutor",
        "J. Doe",
        "Article 15 communication",
        False,
        False,
        [],
    )


def test_a_lead_exports_chosen_incidents_with_pending_items_and_derivatives(case: Case, lead_client: Client) -> None:
    chosen = IncidentFactory(case=case, title="Market strike")
    IncidentFactory(case=case, title="Not chosen")

    lead_client.post(
        reverse("exports:case_exports", kwargs={"case_id": case.pk}),
        valid_form(scope="incidents", incidents=[str(chosen.pk)], include_pending="on", include_derivatives="on"),
    )

    bundle = ExportBundle.objects.get()
    assert (list(bundle.incidents.all()), bundle.include_pending, bundle.include_derivatives) == ([chosen], True, True)


def _errors(response: Any) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: list(errors) for name, errors in form.errors.items()}


def test_the_form_requires_recipient_organisation_and_purpose(case: Case, lead_client: Client) -> None:
    response = lead_client.post(
        reverse("exports:case_exports", kwargs={"case_id": case.pk}),
        valid_form(recipient_organisation="", purpose="", recipient_type="nobody"),
    )

    assert (response.status_code, _errors(response), ExportBundle.objects.count()) == (
        400,
        {
            "recipient_type": ["Select a valid choice. nobody is not one of the available choices."],
            "recipient_organisation": ["This field is required."],
            "purpose": ["This field is required."],
        },
        0,
    )


def test_chosen_incidents_scope_needs_an_incident(case: Case, lead_client: Client) -> None:
    response = lead_client.post(
        reverse("exports:case_exports", kwargs={"case_id": case.pk}), valid_form(scope="incidents")
    )

    assert (response.status_code, _errors(response)) == (
        400,
        {"incidents": ["Choose at least one incident, or export the whole case."]},
    )


def test_an_incident_of_another_case_cannot_be_chosen(case: Case, lead_client: Client) -> None:
    foreign = IncidentFactory(case=CaseFactory())

    response = lead_client.post(
        reverse("exports:case_exports", kwargs={"case_id": case.pk}),
        valid_form(scope="incidents", incidents=[str(foreign.pk)]),
    )

    assert (response.status_code, _errors(response)) == (
        400,
        {"incidents": [f"Select a valid choice. {foreign.pk} is not one of the available choices."]},
    )


def test_every_form_field_has_help_text(case: Case, lead_client: Client) -> None:
    response = lead_client.get(reverse("exports:case_exports", kwargs={"case_id": case.pk}))

    form = response.context["form"]
    assert [name for name, field in form.fields.items() if not field.help_text] == []


# --- The register -----------------------------------------------------------------------------------


def test_the_register_lists_the_cases_bundles_with_a_download_link_when_done(
    case: Case, lead: User, lead_client: Client
) -> None:
    done = make_bundle(case, lead)
    building = make_bundle(case, lead, status=ExportStatus.BUILDING, progress_done=25, progress_total=100)
    make_bundle(CaseFactory(), lead, status=ExportStatus.PENDING)  # another case's

    response = lead_client.get(reverse("exports:case_exports", kwargs={"case_id": case.pk}))

    rows = response.context["rows"]
    assert [(row["bundle"], row["percent"], bool(row["download_url"])) for row in rows] == [
        (building, 25, False),
        (done, 100, True),
    ]
    content = response.content.decode()
    assert ("sha256:" + "e" * 64 in content, '<progress max="100" value="25">' in content) == (True, True)


def _register_queries(client: Client, case: Case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("exports:case_exports", kwargs={"case_id": case.pk}))
    assert response.status_code == 200
    return len(queries)


def test_the_register_page_runs_as_many_queries_for_three_bundles_as_for_one(
    case: Case, lead: User, lead_client: Client
) -> None:
    make_bundle(case, lead)
    _register_queries(lead_client, case)  # the header's cached answers (common.cached_flags) read once
    one = _register_queries(lead_client, case)
    make_bundle(case, lead)
    make_bundle(case, lead, status=ExportStatus.FAILED)

    three = _register_queries(lead_client, case)

    assert three == one


# --- A bundle's page and progress -------------------------------------------------------------------


def test_the_bundle_page_shows_progress_with_the_static_script(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.BUILDING, progress_done=50, progress_total=200)

    response = lead_client.get(reverse("exports:detail", kwargs={"bundle_id": bundle.pk}))

    content = response.content.decode()
    progress_url = reverse("exports:progress", kwargs={"bundle_id": bundle.pk})
    assert (
        response.status_code,
        '<script src="/static/exports/progress.js" defer></script>' in content,
        f'data-progress-url="{progress_url}"' in content,
        '<progress id="export-progress-bar" max="100" value="25">' in content,
        " style=" in content,
        "<style" in content,
        content.count("<script"),
    ) == (200, True, True, True, False, False, 1)


def test_progress_json_while_building(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.BUILDING, progress_done=64, progress_total=256)

    response = lead_client.get(reverse("exports:progress", kwargs={"bundle_id": bundle.pk}))

    assert (response.status_code, response.json()) == (
        200,
        {
            "status": "building",
            "status_display": "Building",
            "progress_done": 64,
            "progress_total": 256,
            "percent": 25,
            "finished": False,
            "error": "",
            "download_url": "",
        },
    )


def test_progress_json_when_failed_gives_the_error(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.FAILED, error="Fixity check failed for E-3")

    data = lead_client.get(reverse("exports:progress", kwargs={"bundle_id": bundle.pk})).json()

    assert (data["status"], data["finished"], data["error"], data["download_url"]) == (
        "failed",
        True,
        "Fixity check failed for E-3",
        "",
    )


def test_progress_json_when_done_gives_a_working_download_link(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead)

    data = lead_client.get(reverse("exports:progress", kwargs={"bundle_id": bundle.pk})).json()
    response = lead_client.get(data["download_url"])

    assert (data["percent"], data["finished"], response.status_code, b"".join(response.streaming_content)) == (
        100,
        True,
        200,
        zip_bytes(),
    )


# --- The expiring download link ---------------------------------------------------------------------


def test_download_with_a_current_link_is_the_zip_as_an_attachment(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead)

    response = lead_client.get(
        reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": download_token(bundle=bundle)}
    )

    assert (
        response.status_code,
        response["Content-Type"],
        response["Content-Disposition"].split(";")[0],
        f'filename="{case.reference}_{bundle.pk}.zip"' in response["Content-Disposition"],
        response["Cache-Control"],
        b"".join(response.streaming_content),
    ) == (
        200,
        "application/zip",
        "attachment",
        True,
        "private, no-store, max-age=0, no-cache, must-revalidate",
        zip_bytes(),
    )


class _SignedYesterday(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - 25 * 60 * 60)


def test_an_expired_link_answers_410_with_a_clear_message(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead)
    token = _SignedYesterday(salt=DOWNLOAD_SALT).sign(str(bundle.pk))

    response = lead_client.get(reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": token})

    assert (response.status_code, "This download link has expired" in response.content.decode()) == (410, True)


def test_the_link_age_limit_follows_the_setting(case: Case, lead: User, lead_client: Client, settings: Any) -> None:
    settings.EXPORT_DOWNLOAD_MAX_AGE_SECONDS = 48 * 60 * 60
    bundle = make_bundle(case, lead)
    token = _SignedYesterday(salt=DOWNLOAD_SALT).sign(str(bundle.pk))

    response = lead_client.get(reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": token})

    assert response.status_code == 200
    b"".join(response.streaming_content)


@pytest.mark.parametrize("token", ["", "not-a-token", "tampered"])
def test_a_missing_or_wrong_link_answers_403(case: Case, lead: User, lead_client: Client, token: str) -> None:
    bundle = make_bundle(case, lead)
    if token == "tampered":
        token = download_token(bundle=bundle)[:-2] + "xx"

    response = lead_client.get(reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": token})

    assert (response.status_code, "This download link is not valid" in response.content.decode()) == (403, True)


def test_a_link_made_for_another_bundle_does_not_open_this_one(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead)
    other = make_bundle(case, lead)

    response = lead_client.get(
        reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": download_token(bundle=other)}
    )

    assert response.status_code == 403


def test_an_unfinished_bundle_cannot_be_downloaded(case: Case, lead: User, lead_client: Client) -> None:
    bundle = make_bundle(case, lead, status=ExportStatus.BUILDING)

    response = lead_client.get(
        reverse("exports:download", kwargs={"bundle_id": bundle.pk}), {"token": download_token(bundle=bundle)}
    )

    assert response.status_code == 409


# --- Notifying the lead -----------------------------------------------------------------------------


def test_a_finished_bundle_notifies_its_lead_in_the_app_and_by_email(
    case: Case, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    bundle = make_bundle(case, lead)

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_export_ready(bundle=bundle)

    detail = reverse("exports:detail", kwargs={"bundle_id": bundle.pk})
    assert (
        list(Notification.objects.values_list("recipient", "kind", "text", "link")),
        notification.recipient,
        [(message.to, message.subject) for message in mail.outbox],
        f"http://localhost:8000{detail}" in mail.outbox[0].body,
        "token=" in mail.outbox[0].body,
    ) == (
        [(lead.pk, "export_ready", f"The bundle of {case.reference} is ready", detail)],
        lead,
        [(["lead@example.org"], f"[Custos] The bundle of {case.reference} is ready")],
        True,
        False,
    )
