"""Receiving uploads: hashed on arrival into quarantine, the first custody event, refusals that keep nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.intake.quarantine import quarantine_path
from tests.accounts.helpers import login_verified
from tests.factories import MembershipFactory, UserFactory
from tests.intake.conftest import multipart
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

CONTENT = b"\xff\xd8\xff\xe0 a photo's bytes, not really a JPEG"
SHA256 = "sha256:" + hashlib.sha256(CONTENT).hexdigest()


def _form_post(client: Client, case: Case, filename: str = "IMG_0042.jpg", **fields: str) -> Any:
    body, content_type = multipart(
        {"collection_method": "captured_by_investigator", "consent_status": "unknown", **fields},
        [("file", filename, "image/jpeg", CONTENT)],
    )
    return client.generic("POST", reverse("intake:upload", args=[case.pk]), body, content_type=content_type)


def test_a_form_upload_is_hashed_on_arrival_and_recorded_as_received(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(uploader)

    with django_capture_on_commit_callbacks() as enqueued:
        response = _form_post(client, case, caption="Fires in Irpin")

    item = EvidenceItem.objects.get()
    assert response.status_code == 302
    assert (item.sha256, item.size_bytes, item.processing_status) == (SHA256, len(CONTENT), "received")
    assert (item.caption, item.uploaded_by, item.number) == ("Fires in Irpin", uploader, 1)
    assert quarantine_path(item.quarantine_name).read_bytes() == CONTENT
    event = item.custody_events.get()
    assert (event.action, event.actor) == ("received", "user:investigator")
    assert event.details == {
        "original_filename": "IMG_0042.jpg",
        "declared_content_type": "image/jpeg",
        "size_bytes": len(CONTENT),
        "sha256": SHA256,
        "client_sha256": None,
        "via": "web form",
    }
    assert len(enqueued) == 1  # the pipeline is enqueued only once the receipt is committed


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "фото з Ірпеня 06.03.2022.jpg", "nul\x00byte.jpg", "x" * 600 + ".jpg", "  spaces  .jpg"],
)
def test_filenames_are_kept_verbatim_and_never_used_as_paths(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path, filename: str
) -> None:
    client.force_login(uploader)

    _form_post(client, case, filename=filename)

    item = EvidenceItem.objects.get()
    assert bytes(item.original_filename_raw).decode("utf-8") == filename
    assert item.quarantine_name.startswith("upload-")
    assert [path.name for path in quarantine_per_test.iterdir()] == [item.quarantine_name]


def test_a_multipart_header_too_long_for_the_parser_is_a_clear_400_and_keeps_nothing(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)

    response = _form_post(client, case, filename="x" * 5000 + ".jpg")

    assert response.status_code == 400
    assert "Nothing was stored" in response.content.decode()
    assert EvidenceItem.objects.count() == 0
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


def test_a_matching_client_hash_is_recorded(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)

    _form_post(client, case, sha256=SHA256.removeprefix("sha256:").upper())

    assert EvidenceItem.objects.get().client_sha256 == SHA256


def test_a_different_client_hash_refuses_the_upload_and_keeps_nothing(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)

    response = _form_post(client, case, sha256="0" * 64)

    assert response.status_code == 400
    assert f"The file&#x27;s SHA-256 is {SHA256}, not sha256:{'0' * 64}" in response.content.decode()
    assert EvidenceItem.objects.count() == 0
    assert list(quarantine_per_test.iterdir()) == []


def test_an_upload_over_the_limit_gets_413_and_keeps_nothing(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path, settings: Any
) -> None:
    settings.INTAKE_MAX_UPLOAD_BYTES = 10
    client.force_login(uploader)

    response = _form_post(client, case)

    assert response.status_code == 413
    assert "larger than the server accepts. Nothing was stored." in response.content.decode()
    assert EvidenceItem.objects.count() == 0
    assert list(quarantine_per_test.glob("*")) == []


@pytest.mark.parametrize("role", [CaseRole.REVIEWER, CaseRole.OBSERVER])
def test_reviewers_and_observers_cannot_upload(
    client: Client, case: Case, role: CaseRole, quarantine_per_test: Path
) -> None:
    login_verified(client, MembershipFactory(case=case, role=role).user)

    # A member knows the case exists, so the refusal says why (403), before a byte of the body is read.
    assert _form_post(client, case).status_code == 403
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


def test_a_member_of_another_case_and_an_outsider_get_404_and_nothing_is_written(
    client: Client, case: Case, quarantine_per_test: Path
) -> None:
    for user in (MembershipFactory(role=CaseRole.INVESTIGATOR).user, UserFactory()):
        client.force_login(user)
        assert _form_post(client, case).status_code == 404
    assert EvidenceItem.objects.count() == 0
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


def test_anonymous_uploads_are_sent_to_sign_in(client: Client, case: Case) -> None:
    response = _form_post(client, case)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_api_takes_several_files_with_a_hash_each(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)
    second = b"second file"
    body, content_type = multipart(
        {"sha256": SHA256, "caption": "Two files"},
        [("file", "a.jpg", "image/jpeg", CONTENT), ("file", "b.txt", "text/plain", second)],
    )

    response = client.generic("POST", reverse("api:evidence-upload", args=[case.pk]), body, content_type=content_type)

    assert response.status_code == 201
    items = response.json()["items"]
    assert [(entry["original_filename"], entry["sha256"], entry["processing_status"]) for entry in items] == [
        ("a.jpg", SHA256, "received"),
        ("b.txt", "sha256:" + hashlib.sha256(second).hexdigest(), "received"),
    ]
    assert list(EvidenceItem.objects.order_by("number").values_list("number", "caption")) == [
        (1, "Two files"),
        (2, "Two files"),
    ]


def test_the_api_refuses_all_files_when_one_hash_differs(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    other = b"not the bytes the hash was taken of"
    body, content_type = multipart({"sha256": SHA256}, [("file", "a.jpg", "image/jpeg", other)])

    response = client.generic("POST", reverse("api:evidence-upload", args=[case.pk]), body, content_type=content_type)

    assert response.status_code == 400
    assert field_errors(response) == {
        "sha256": [
            (
                f"The file a.jpg has the SHA-256 sha256:{hashlib.sha256(other).hexdigest()}, not {SHA256} as the "
                "upload said: it changed on the way. Nothing was stored."
            )
        ]
    }
    assert EvidenceItem.objects.count() == 0
    assert list(quarantine_per_test.iterdir()) == []
