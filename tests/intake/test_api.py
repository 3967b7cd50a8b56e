"""POST /api/v1/cases/<id>/evidence/: multipart upload, client hashes, problem details, and nothing kept on refusal."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.cases.enums import CaseStatus
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from tests.accounts.helpers import login_verified
from tests.apitokens.conftest import issue
from tests.factories import CaseFactory, MembershipFactory, UserFactory
from tests.intake.conftest import multipart
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

CONTENT = b"\xff\xd8\xff\xe0 a photo's bytes"
SHA256 = "sha256:" + hashlib.sha256(CONTENT).hexdigest()
OTHER = b"a second file"
OTHER_SHA256 = "sha256:" + hashlib.sha256(OTHER).hexdigest()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """No password is checked here (sessions are forced); Argon2 for each user would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def url(case: Case) -> str:
    return reverse("api:evidence-upload", args=[case.pk])


def post(
    client: Client, case: Case, fields: dict[str, str], files: list[tuple[str, str, str, bytes]], **kw: Any
) -> Any:
    body, content_type = multipart(fields, files)
    return client.generic("POST", url(case), body, content_type=content_type, **kw)


def quarantined(root: Path) -> list[str]:
    return sorted(entry.name for entry in root.iterdir()) if root.exists() else []


def test_the_route_lives_under_api_v1(case: Case) -> None:
    assert url(case) == f"/api/v1/cases/{case.pk}/evidence/"


def test_an_upload_answers_201_with_the_new_items_at_once(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)

    response = post(
        client,
        case,
        {"sha256": SHA256, "caption": "Two files", "consent_status": "obtained"},
        [("file", "a.jpg", "image/jpeg", CONTENT), ("file", "b.txt", "text/plain", OTHER)],
    )

    assert response.status_code == 201, response.content
    items = list(EvidenceItem.objects.order_by("number"))
    assert response.json() == {
        "items": [
            {
                "id": str(item.pk),
                "reference": item.reference,
                "case": str(case.pk),
                "original_filename": name,
                "size_bytes": size,
                "declared_content_type": content_type,
                "sha256": sha256,
                "client_sha256": client_sha256,
                "processing_status": "received",
                "created_at": response.json()["items"][index]["created_at"],
            }
            for index, (item, name, size, content_type, sha256, client_sha256) in enumerate(
                [
                    (items[0], "a.jpg", len(CONTENT), "image/jpeg", SHA256, SHA256),
                    (items[1], "b.txt", len(OTHER), "text/plain", OTHER_SHA256, ""),
                ]
            )
        ]
    }
    assert [(item.caption, item.consent_status, item.uploaded_by) for item in items] == [
        ("Two files", "obtained", uploader)
    ] * 2
    assert [item.custody_events.get().details["via"] for item in items] == ["api", "api"]


def test_a_hash_per_file_in_order_and_in_either_form(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)
    body, content_type = multipart({}, [("file", "a.jpg", "image/jpeg", CONTENT), ("file", "b", "text/plain", OTHER)])
    # Two sha256 fields: the helper takes a dict, so the second is added by hand before the files.
    boundary = content_type.split("boundary=")[1]
    extra = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n{value}\r\n'
        for value in (SHA256.removeprefix("sha256:").upper(), OTHER_SHA256)
    ).encode()

    response = client.generic("POST", url(case), extra + body, content_type=content_type)

    assert response.status_code == 201, response.content
    assert [entry["client_sha256"] for entry in response.json()["items"]] == [SHA256, OTHER_SHA256]


def test_a_hash_that_differs_is_a_400_on_the_field_sha256_and_nothing_is_stored(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    wrong = "sha256:" + "0" * 64

    response = post(client, case, {"sha256": wrong}, [("file", "a.jpg", "image/jpeg", CONTENT)])

    body = problem(response)
    assert (response.status_code, body["type"]) == (400, "https://custos.invalid/problems/validation-error")
    assert field_errors(response) == {
        "sha256": [
            (
                f"The file a.jpg has the SHA-256 {SHA256}, not {wrong} as the upload said: it changed on the way. "
                "Nothing was stored."
            )
        ]
    }
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


@pytest.mark.parametrize(
    ("fields", "files", "errors"),
    [
        ({}, [], {"file": ["Attach at least one file."]}),
        (
            {"sha256": "abc"},
            [("file", "a.jpg", "image/jpeg", CONTENT)],
            {"sha256": ["A SHA-256 is 64 hexadecimal characters, optionally prefixed with “sha256:”."]},
        ),
        (
            {"collection_method": "telepathy", "collected_at": "yesterday"},
            [("file", "a.jpg", "image/jpeg", CONTENT)],
            {"collection_method": ['"telepathy" is not a valid choice.'], "collected_at": None},
        ),
        (
            {},
            [("attachment", "a.jpg", "image/jpeg", CONTENT)],
            {"attachment": ["Send files in the field “file”."]},
        ),
    ],
)
def test_invalid_uploads_are_400_with_field_errors_and_leave_nothing_in_quarantine(
    client: Client,
    case: Case,
    uploader: User,
    quarantine_per_test: Path,
    fields: dict[str, str],
    files: list[tuple[str, str, str, bytes]],
    errors: dict[str, list[str] | None],
) -> None:
    client.force_login(uploader)

    response = post(client, case, fields, files)

    assert response.status_code == 400
    found = field_errors(response)
    assert sorted(found) == sorted(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert found[field] == messages
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


def test_more_hashes_than_files_is_a_400(client: Client, case: Case, uploader: User, quarantine_per_test: Path) -> None:
    client.force_login(uploader)
    body, content_type = multipart({}, [("file", "a.jpg", "image/jpeg", CONTENT)])
    boundary = content_type.split("boundary=")[1]
    extra = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="sha256"\r\n\r\n{value}\r\n'
        for value in (SHA256, SHA256)
    ).encode()

    response = client.generic("POST", url(case), extra + body, content_type=content_type)

    assert field_errors(response) == {
        "sha256": ["There are more SHA-256 values than files: give one per file, in order."]
    }
    assert quarantined(quarantine_per_test) == []


def test_a_malformed_body_is_a_400_problem_and_nothing_is_kept(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)

    response = client.generic(
        "POST",
        url(case),
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nab',
        content_type="multipart/form-data; boundary=",
    )

    assert problem(response)["detail"] == "The multipart body is malformed or a header is too long; nothing was stored."
    assert response.status_code == 400
    assert quarantined(quarantine_per_test) == []


def test_an_upload_over_the_limit_is_a_413_problem_and_nothing_is_kept(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path, settings: Any
) -> None:
    settings.INTAKE_MAX_UPLOAD_BYTES = 10
    client.force_login(uploader)

    response = post(client, case, {}, [("file", "a.bin", "application/octet-stream", b"x" * 11)])

    assert (response.status_code, problem(response)["detail"]) == (
        413,
        "The upload is larger than the server accepts; nothing was stored.",
    )
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


def test_a_json_body_is_a_415_problem(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)

    response = client.post(url(case), {"file": "abc"}, content_type="application/json")

    assert problem(response)["status"] == 415


# --- Who may upload -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [CaseRole.OBSERVER, CaseRole.REVIEWER])
def test_observers_and_reviewers_get_403_with_the_reason_and_nothing_is_kept(
    client: Client, case: Case, role: CaseRole, quarantine_per_test: Path
) -> None:
    browser = browser_with_csrf_cookie(MembershipFactory(case=case, role=role).user)
    token = browser.cookies["csrftoken"].value

    # The CSRF check reads the body (to quarantine) before the view refuses: the refusal must remove the file.
    response = post(browser, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)], headers={"X-CSRFToken": token})

    assert (response.status_code, problem(response)["detail"]) == (403, "Your role in this case does not add evidence.")
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


def test_a_closed_case_refuses_uploads_with_403(client: Client, case: Case, uploader: User) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    client.force_login(uploader)

    response = post(client, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)])

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "This case is closed; it accepts no new evidence. A lead can reopen it.",
    )


def test_another_cases_member_and_an_outsider_get_404(client: Client, case: Case, quarantine_per_test: Path) -> None:
    for user in (MembershipFactory(role=CaseRole.LEAD).user, UserFactory()):
        browser = browser_with_csrf_cookie(user)
        headers = {"X-CSRFToken": browser.cookies["csrftoken"].value}
        response = post(browser, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)], headers=headers)
        assert problem(response)["status"] == 404
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


def test_anonymous_requests_get_401_and_their_body_is_never_read(
    client: Client, case: Case, quarantine_per_test: Path
) -> None:
    response = post(client, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)])

    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert quarantined(quarantine_per_test) == []


def browser_with_csrf_cookie(user: User) -> Client:
    """A browser that enforces CSRF and holds the csrftoken cookie: its POSTs are read by the CSRF check first."""
    browser = Client(enforce_csrf_checks=True)
    login_verified(browser, user)
    browser.get(reverse("login"))
    return browser


def test_a_session_without_the_csrf_token_gets_403_and_the_files_it_sent_leave_quarantine(
    case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    browser = browser_with_csrf_cookie(uploader)

    response = post(browser, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)])

    assert problem(response)["status"] == 403
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []


def test_a_write_token_uploads_without_csrf_and_keeps_the_declared_filename_verbatim(
    case: Case, uploader: User
) -> None:
    token = issue(uploader, [case], TokenAccess.WRITE)
    name = "../../DCIM/IMG 0042\x01.jpg"

    response = post(
        Client(enforce_csrf_checks=True), case, {}, [("file", name, "image/jpeg", CONTENT)], headers=token.headers
    )

    assert response.status_code == 201, response.content
    item = EvidenceItem.objects.get()
    assert (bytes(item.original_filename_raw).decode(), item.uploaded_by, item.sha256) == (name, uploader, SHA256)


def test_a_read_token_gets_403_and_its_body_is_never_read(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    token = issue(uploader, [case], TokenAccess.READ)

    response = post(client, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)], headers=token.headers)

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "This API token is read-only: it cannot change anything. Use a token with write access.",
    )
    assert quarantined(quarantine_per_test) == []


def test_a_token_for_another_case_gets_404_although_its_owner_may_upload_there(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    elsewhere = CaseFactory()
    MembershipFactory(case=elsewhere, user=uploader, role=CaseRole.INVESTIGATOR)
    token = issue(uploader, [elsewhere], TokenAccess.WRITE)

    response = post(client, case, {}, [("file", "a.jpg", "image/jpeg", CONTENT)], headers=token.headers)

    assert problem(response)["status"] == 404
    assert EvidenceItem.objects.count() == 0
    assert quarantined(quarantine_per_test) == []
