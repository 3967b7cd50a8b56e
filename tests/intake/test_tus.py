"""Resumable uploads (tus 1.0): a real client over a real HTTP server, broken connections, refusals, expiry."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import http.client
import os
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tusclient import client as tus_client

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.apitokens.models import ApiToken
from apps.apitokens.services import apitoken_revoke
from apps.cases.models import Case
from apps.evidence.models import EvidenceItem
from apps.intake.models import TusUpload
from apps.intake.quarantine import quarantine_path
from apps.intake.tasks import tus_expire
from apps.intake.tus import tus_expire_unfinished
from tests.accounts.helpers import login_verified
from tests.apitokens.conftest import issue
from tests.factories import MembershipFactory, UserFactory

MiB = 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}
OFFSET_STREAM = "application/offset+octet-stream"

live = pytest.mark.usefixtures("custody_transactional_db")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """No password is checked here (sessions are forced); Argon2 for each user would double the file's runtime."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items())


# --- A real tus client against the live server -----------------------------------------------


def tus_for(user: User, live_server: Any, case: Case) -> tus_client.TusClient:
    """A tuspy client signed in as the user: the session cookie, and the CSRF token as header and cookie."""
    browser = Client()
    browser.force_login(user)
    browser.get(reverse("login"))
    session, token = browser.cookies["sessionid"].value, browser.cookies["csrftoken"].value
    return tus_client.TusClient(
        live_server.url + reverse("api:tus-create", args=[case.pk]),
        headers={"Cookie": f"sessionid={session}; csrftoken={token}", "X-CSRFToken": token},
    )


def head_offset(client: tus_client.TusClient, url: str) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("HEAD", parts.path, headers={**TUS, **client.headers})
        response = connection.getresponse()
        response.read()
        return int(response.headers["Upload-Offset"])
    finally:
        connection.close()


@live
def test_tuspy_resumes_a_40_mib_upload_with_a_new_uploader_and_the_item_hash_matches_sha256sum(
    live_server: Any, case: Case, uploader: User, tmp_path: Path
) -> None:
    data = os.urandom(40 * MiB + 12345)
    path = tmp_path / "video.mp4"
    path.write_bytes(data)
    client = tus_for(uploader, live_server, case)

    with path.open("rb") as stream:
        first = client.uploader(
            file_stream=stream, chunk_size=4 * MiB, metadata={"filename": "video.mp4", "filetype": "video/mp4"}
        )
        for _ in range(3):
            first.upload_chunk()
        url = first.url
        del first  # the connection is lost: a new uploader knows only the URL
        resumed = client.uploader(file_stream=stream, url=url, chunk_size=4 * MiB)
        assert resumed.offset == 12 * MiB  # asked the server (HEAD)
        resumed.upload()
        item_id = resumed.request.response_headers["custos-evidence-item"]

    item = EvidenceItem.objects.get(pk=item_id)
    sha256sum = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", str(path)], capture_output=True, text=True, check=True
    )
    assert item.sha256 == sha256(data) == "sha256:" + sha256sum.stdout.split()[0]
    assert (item.size_bytes, item.original_filename, item.declared_content_type) == (
        len(data),
        "video.mp4",
        "video/mp4",
    )
    assert quarantine_path(item.quarantine_name).read_bytes() == data
    upload = TusUpload.objects.get()
    assert (upload.item_id, upload.offset, upload.length) == (item.pk, len(data), len(data))
    event = item.custody_events.get()
    assert (event.action, event.details["via"], event.details["sha256"]) == ("received", "tus", sha256(data))


@live
def test_a_patch_cut_off_mid_body_keeps_the_bytes_that_arrived_and_tuspy_resumes_from_there(
    live_server: Any, case: Case, uploader: User, tmp_path: Path
) -> None:
    data = os.urandom(12 * MiB)
    path = tmp_path / "cut.bin"
    path.write_bytes(data)
    client = tus_for(uploader, live_server, case)
    with path.open("rb") as stream:
        url = client.uploader(file_stream=stream, chunk_size=4 * MiB).create_url()

        parts = urlsplit(url)
        raw = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
        raw.putrequest("PATCH", parts.path)
        for name, value in {
            **TUS,
            **client.headers,
            "Content-Type": OFFSET_STREAM,
            "Upload-Offset": "0",
            "Content-Length": str(10 * MiB),
        }.items():
            raw.putheader(name, value)
        raw.endheaders()
        raw.send(data[: 3 * MiB])
        raw.close()  # the connection breaks 3 MiB into a 10 MiB body

        deadline, offset = time.monotonic() + 20, 0
        while offset == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            offset = head_offset(client, url)
        assert 0 < offset <= 3 * MiB
        upload = TusUpload.objects.get()
        assert upload.offset == offset
        assert quarantine_path(upload.quarantine_name).read_bytes() == data[:offset]  # persisted, nothing more

        resumed = client.uploader(file_stream=stream, url=url, chunk_size=4 * MiB)
        assert resumed.offset == offset
        resumed.upload()

    item = EvidenceItem.objects.get()
    assert (item.sha256, item.size_bytes) == (sha256(data), len(data))


@live
def test_the_declared_filename_is_kept_verbatim_and_never_used_as_a_path(
    live_server: Any, case: Case, uploader: User, tmp_path: Path, quarantine_per_test: Path
) -> None:
    filename = "../../etc/passwd\x00 " + "й" * 3000 + ".jpg"
    client = tus_for(uploader, live_server, case)
    path = tmp_path / "photo"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")

    with path.open("rb") as stream:
        uploader_ = client.uploader(file_stream=stream, metadata={"filename": filename, "filetype": "image/jpeg"})
        uploader_.upload()

    item = EvidenceItem.objects.get()
    assert bytes(item.original_filename_raw).decode("utf-8") == filename
    assert item.original_filename == "../../etc/passwd\\x00 " + "й" * 3000 + ".jpg"
    assert item.quarantine_name.startswith("tus-")
    assert [entry.name for entry in quarantine_per_test.iterdir()] == [item.quarantine_name]
    assert item.custody_events.get().details["original_filename_utf8_hex"] == filename.encode().hex()


# --- The protocol through Django's test client ----------------------------------------------


def create(client: Client, case: Case, length: int, metadata: dict[str, str] | None = None, **headers: str) -> Any:
    all_headers = {**TUS, "Upload-Length": str(length), **headers}
    if metadata is not None:
        all_headers["Upload-Metadata"] = encode_metadata(metadata)
    return client.generic("POST", reverse("api:tus-create", args=[case.pk]), b"", headers=all_headers)


def patch(client: Client, location: str, body: bytes, offset: int, **headers: str) -> Any:
    return client.generic(
        "PATCH",
        urlsplit(location).path,
        body,
        content_type=headers.pop("content_type", OFFSET_STREAM),
        headers={**TUS, "Upload-Offset": str(offset), **headers},
    )


def head(client: Client, location: str, **headers: str) -> Any:
    return client.head(urlsplit(location).path, headers={**TUS, **headers})


def started(client: Client, case: Case, length: int, metadata: dict[str, str] | None = None) -> tuple[str, TusUpload]:
    response = create(client, case, length, metadata)
    assert response.status_code == 201, response.content
    return response["Location"], TusUpload.objects.get(pk=urlsplit(response["Location"]).path.rsplit("/", 1)[1])


@pytest.mark.django_db
def test_creation_answers_201_with_an_absolute_location_and_head_gives_offset_length_and_metadata(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    metadata = encode_metadata({"filename": "a b.jpg", "filetype": "image/jpeg"}) + ",empty"

    response = create(client, case, 10, **{"Upload-Metadata": metadata})

    upload = TusUpload.objects.get()
    assert response.status_code == 201
    assert response["Location"] == f"http://testserver/api/v1/tus/{upload.pk}"
    assert response["Tus-Resumable"] == "1.0.0"
    assert (upload.case, upload.uploaded_by, upload.length, upload.offset) == (case, uploader, 10, 0)
    assert upload.metadata == {"filename": "YSBiLmpwZw==", "filetype": "aW1hZ2UvanBlZw==", "empty": ""}
    assert [entry.name for entry in quarantine_per_test.iterdir()] == [upload.quarantine_name]
    status = head(client, response["Location"])
    assert status.status_code == 200
    assert (status["Upload-Offset"], status["Upload-Length"], status["Cache-Control"]) == ("0", "10", "no-store")
    assert sorted(status["Upload-Metadata"].split(",")) == sorted(metadata.split(","))  # as sent (order aside)
    assert status["Upload-Expires"].endswith(" GMT")
    assert status.content == b""


@pytest.mark.django_db
def test_options_tells_the_version_extensions_max_size_and_checksum_algorithms(
    client: Client, case: Case, settings: Any
) -> None:
    settings.INTAKE_MAX_UPLOAD_BYTES = 1234

    response = client.options(reverse("api:tus-create", args=[case.pk]))

    assert response.status_code == 204
    assert {name: response[name] for name in response.headers if name.startswith("Tus-")} == {
        "Tus-Resumable": "1.0.0",
        "Tus-Version": "1.0.0",
        "Tus-Extension": "creation,termination,checksum,expiration",
        "Tus-Max-Size": "1234",
        "Tus-Checksum-Algorithm": "sha1,md5,sha256",
    }


@pytest.mark.django_db
def test_a_finished_upload_is_received_like_a_form_upload_with_its_descriptive_metadata(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    content = b"\xff\xd8\xff\xe0 two halves of a photo"
    location, upload = started(
        client,
        case,
        len(content),
        {
            "filename": "IMG_0042.jpg",
            "filetype": "image/jpeg",
            "sha256": sha256(content).upper().removeprefix("SHA256:"),
            "caption": "Fires in Irpin",
            "credit_line": "Photo by Olena",
            "is_graphic": "true",
            "collection_method": "captured_by_investigator",
            "relativePath": "ignored/by/custos",
        },
    )

    first = patch(client, location, content[:10], 0)
    second = patch(client, location, content[10:], 10)

    item = EvidenceItem.objects.get()
    assert (first.status_code, first["Upload-Offset"], first.has_header("Custos-Evidence-Item")) == (204, "10", False)
    assert (second.status_code, second["Upload-Offset"], second["Custos-Evidence-Item"]) == (
        204,
        str(len(content)),
        str(item.pk),
    )
    assert (item.caption, item.credit_line, item.is_graphic, item.client_sha256) == (
        "Fires in Irpin",
        "Photo by Olena",
        True,
        sha256(content),
    )
    assert (item.uploaded_by, item.quarantine_name) == (uploader, upload.quarantine_name)
    assert item.custody_events.get().details == {
        "original_filename": "IMG_0042.jpg",
        "declared_content_type": "image/jpeg",
        "size_bytes": len(content),
        "sha256": sha256(content),
        "client_sha256": sha256(content),
        "via": "tus",
    }
    again = head(client, location)
    assert (again["Upload-Offset"], again["Custos-Evidence-Item"], again.has_header("Upload-Expires")) == (
        str(len(content)),
        str(item.pk),
        False,
    )


@pytest.mark.django_db
def test_a_zero_length_upload_is_evidence_at_creation(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)

    response = create(client, case, 0, {"filename": "empty.txt"})

    item = EvidenceItem.objects.get()
    assert (response.status_code, response["Custos-Evidence-Item"]) == (201, str(item.pk))
    assert (item.size_bytes, item.sha256) == (0, sha256(b""))


@pytest.mark.django_db
@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha256"])
def test_a_chunk_whose_checksum_differs_gets_460_and_is_discarded(
    client: Client, case: Case, uploader: User, algorithm: str
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 8)
    good = base64.b64encode(hashlib.new(algorithm, b"abcd").digest()).decode()
    wrong = base64.b64encode(hashlib.new(algorithm, b"abcX").digest()).decode()

    refused = patch(client, location, b"abcd", 0, **{"Upload-Checksum": f"{algorithm} {wrong}"})

    assert (refused.status_code, refused.reason_phrase) == (460, "Checksum Mismatch")
    assert f"{algorithm} checksum differs" in refused.content.decode()
    assert head(client, location)["Upload-Offset"] == "0"
    assert quarantine_path(upload.quarantine_name).read_bytes() == b""

    accepted = patch(client, location, b"abcd", 0, **{"Upload-Checksum": f"{algorithm} {good}"})

    assert (accepted.status_code, accepted["Upload-Offset"]) == (204, "4")
    assert quarantine_path(upload.quarantine_name).read_bytes() == b"abcd"


@pytest.mark.django_db
def test_an_unknown_checksum_algorithm_is_a_400(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)
    location, _upload = started(client, case, 4)

    response = patch(client, location, b"abcd", 0, **{"Upload-Checksum": "crc32 AAAAAA=="})

    assert response.status_code == 400
    assert response.content.decode() == "Upload-Checksum: the algorithm must be one of sha1, md5, sha256."
    assert head(client, location)["Upload-Offset"] == "0"


@pytest.mark.django_db
def test_an_upload_longer_than_the_limit_gets_413_and_nothing_is_written(
    client: Client, case: Case, uploader: User, settings: Any, quarantine_per_test: Path
) -> None:
    settings.INTAKE_MAX_UPLOAD_BYTES = 100
    client.force_login(uploader)

    response = create(client, case, 101)

    assert (response.status_code, response["Tus-Resumable"]) == (413, "1.0.0")
    assert response.content.decode() == (
        "The upload is larger than the server accepts (at most 100 bytes); nothing was stored."
    )
    assert TusUpload.objects.count() == 0
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("version", [None, "0.2.2", "1.0"])
def test_a_request_without_tus_resumable_1_0_0_gets_412(
    client: Client, case: Case, uploader: User, version: Any
) -> None:
    client.force_login(uploader)
    location, _upload = started(client, case, 4)
    headers = {"Tus-Resumable": version} if version else {}

    responses = [
        client.generic("POST", reverse("api:tus-create", args=[case.pk]), headers={"Upload-Length": "4", **headers}),
        client.head(urlsplit(location).path, headers=headers),
        client.generic(
            "PATCH", urlsplit(location).path, b"ab", OFFSET_STREAM, headers={"Upload-Offset": "0", **headers}
        ),
        client.delete(urlsplit(location).path, headers=headers),
    ]

    assert [(r.status_code, r["Tus-Version"], r["Tus-Resumable"]) for r in responses] == [(412, "1.0.0", "1.0.0")] * 4
    assert TusUpload.objects.get().offset == 0


@pytest.mark.django_db
def test_malformed_or_missing_creation_headers_are_400_and_nothing_is_written(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    url = reverse("api:tus-create", args=[case.pk])

    answers = {
        "no length": client.generic("POST", url, headers=TUS),
        "negative": create(client, case, 0, **{"Upload-Length": "-1"}),
        "deferred": client.generic("POST", url, headers={**TUS, "Upload-Defer-Length": "1"}),
        "metadata": create(client, case, 4, **{"Upload-Metadata": "filename not*base64"}),
        "repeated": create(client, case, 4, **{"Upload-Metadata": "a YQ==,a Yg=="}),
        "hash": create(client, case, 4, {"sha256": "abc"}),
        "field": create(client, case, 4, {"collection_method": "stolen"}),
        "not utf-8": create(
            client, case, 4, **{"Upload-Metadata": "filename " + base64.b64encode(b"\xff.jpg").decode()}
        ),
        "nul type": create(client, case, 4, {"filetype": "image/jpeg\x00"}),
    }

    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 400)
    assert answers["no length"].content.decode() == "Upload-Length is required (a deferred length is not supported)."
    assert answers["field"].content.decode().startswith("Upload-Metadata has invalid values: collection_method: ")
    assert answers["not utf-8"].content.decode() == "Upload-Metadata: the value of filename is not UTF-8 text."
    assert TusUpload.objects.count() == 0
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


@pytest.mark.django_db
def test_patch_refusals_409_wrong_offset_415_wrong_type_413_past_the_length(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 6)
    patch(client, location, b"abc", 0)

    wrong_offset = patch(client, location, b"def", 0)
    wrong_type = patch(client, location, b"def", 3, content_type="application/octet-stream")
    too_long = patch(client, location, b"defg", 3)

    assert (wrong_offset.status_code, wrong_offset.content.decode()) == (
        409,
        "Upload-Offset is 0 but the server has 3 bytes; ask with HEAD and resume from there.",
    )
    assert (wrong_type.status_code, wrong_type.content.decode()) == (
        415,
        "A PATCH body must be sent as application/offset+octet-stream.",
    )
    assert too_long.status_code == 413
    assert quarantine_path(upload.quarantine_name).read_bytes() == b"abc"
    assert head(client, location)["Upload-Offset"] == "3"


@pytest.mark.django_db
def test_a_patch_while_another_request_writes_the_upload_gets_423(client: Client, case: Case, uploader: User) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 4)

    with quarantine_path(upload.quarantine_name).open("ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        response = patch(client, location, b"abcd", 0)

    assert response.status_code == 423
    assert head(client, location)["Upload-Offset"] == "0"


@pytest.mark.django_db
def test_bytes_past_the_recorded_offset_from_a_killed_request_are_cut_off_before_the_next_append(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 6)
    patch(client, location, b"abc", 0)
    with quarantine_path(upload.quarantine_name).open("ab") as stream:
        stream.write(b"XY")  # written, never recorded: the worker died before the offset was saved

    response = patch(client, location, b"def", 3)

    assert response.status_code == 204
    assert quarantine_path(upload.quarantine_name).read_bytes() == b"abcdef"
    assert EvidenceItem.objects.get().sha256 == sha256(b"abcdef")


@pytest.mark.django_db
def test_termination_removes_the_upload_and_its_file(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    location, _upload = started(client, case, 6)
    patch(client, location, b"abc", 0)

    response = client.delete(urlsplit(location).path, headers=TUS)

    assert (response.status_code, response["Tus-Resumable"]) == (204, "1.0.0")
    assert TusUpload.objects.count() == 0
    assert list(quarantine_per_test.iterdir()) == []
    assert head(client, location).status_code == 404
    assert patch(client, location, b"def", 3).status_code == 404


@pytest.mark.django_db
def test_a_finished_upload_cannot_be_terminated_and_its_file_stays_with_the_item(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    location, _upload = started(client, case, 3)
    patch(client, location, b"abc", 0)

    response = client.delete(urlsplit(location).path, headers=TUS)

    assert (response.status_code, response.content.decode()) == (
        403,
        "This upload is already evidence; it can no longer be terminated.",
    )
    item = EvidenceItem.objects.get()
    assert quarantine_path(item.quarantine_name).read_bytes() == b"abc"
    assert TusUpload.objects.get().item == item


@pytest.mark.django_db
def test_unfinished_uploads_past_their_expiry_are_removed_with_their_files(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    stale_location, stale = started(client, case, 6)
    patch(client, stale_location, b"abc", 0)
    _fresh_location, fresh = started(client, case, 6)
    finished_location, finished = started(client, case, 3)
    patch(client, finished_location, b"xyz", 0)
    past = timezone.now() - timedelta(seconds=1)
    TusUpload.objects.filter(pk__in=[stale.pk, finished.pk]).update(expires_at=past)

    assert tus_expire_unfinished() == 1

    item = EvidenceItem.objects.get()
    assert list(TusUpload.objects.values_list("pk", flat=True)) == [fresh.pk]  # the finished row goes too
    assert sorted(entry.name for entry in quarantine_per_test.iterdir()) == sorted(
        [fresh.quarantine_name, item.quarantine_name]  # the finished upload's file is the item's
    )
    assert head(client, stale_location).status_code == 404
    assert tus_expire() == 0
    assert django_settings.CELERY_BEAT_SCHEDULE["intake-tus-expire"] == {
        "task": "intake.tus_expire",
        "schedule": 3600.0,
    }


@pytest.mark.django_db
def test_each_patch_moves_the_expiry_forward(client: Client, case: Case, uploader: User, settings: Any) -> None:
    settings.INTAKE_TUS_EXPIRY_HOURS = 2
    client.force_login(uploader)
    location, upload = started(client, case, 6)
    TusUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() + timedelta(minutes=1))

    patch(client, location, b"abc", 0)

    upload.refresh_from_db()
    assert timedelta(hours=2) - timedelta(minutes=1) < upload.expires_at - timezone.now() <= timedelta(hours=2)
    assert tus_expire_unfinished(now=timezone.now() + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_old_tus_files_nobody_refers_to_are_removed_by_expiry(
    case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    quarantine_per_test.mkdir()
    orphan, recent, other = (quarantine_per_test / name for name in ("tus-orphan", "tus-recent", "upload-other"))
    for path in (orphan, recent, other):
        path.write_bytes(b"left behind")
    old = time.time() - 25 * 3600
    os.utime(orphan, (old, old))
    os.utime(other, (old, old))

    tus_expire_unfinished()

    assert sorted(entry.name for entry in quarantine_per_test.iterdir()) == ["tus-recent", "upload-other"]


@pytest.mark.django_db
def test_a_client_hash_that_differs_refuses_the_upload_and_keeps_nothing(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    location, _upload = started(client, case, 4, {"filename": "a.jpg", "sha256": "0" * 64})

    response = patch(client, location, b"abcd", 0)

    assert response.status_code == 400
    assert response.content.decode() == (
        f"The file's SHA-256 is {sha256(b'abcd')}, not sha256:{'0' * 64} as the upload said: it changed on the way."
    )
    assert (EvidenceItem.objects.count(), TusUpload.objects.count()) == (0, 0)
    assert list(quarantine_per_test.iterdir()) == []


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_another_cases_investigator_an_outsider_and_a_co_investigator_get_404(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 4)
    others = [
        MembershipFactory(role=CaseRole.INVESTIGATOR).user,
        UserFactory(),
        MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user,
    ]

    for other in others:
        client.force_login(other)
        answers = [
            head(client, location),
            patch(client, location, b"abcd", 0),
            client.delete(urlsplit(location).path, headers=TUS),
        ]
        assert [answer.status_code for answer in answers] == [404, 404, 404]
        if other is not others[2]:
            assert create(client, case, 4).status_code == 404
    upload.refresh_from_db()
    assert upload.offset == 0
    assert TusUpload.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CaseRole.OBSERVER, CaseRole.REVIEWER])
def test_observers_and_reviewers_cannot_create_uploads(
    client: Client, case: Case, role: CaseRole, quarantine_per_test: Path
) -> None:
    login_verified(client, MembershipFactory(case=case, role=role).user)

    response = create(client, case, 4)

    assert (response.status_code, response.content.decode()) == (
        404,
        "No such case, or you may not add evidence to it.",
    )
    assert TusUpload.objects.count() == 0
    assert not quarantine_per_test.exists() or list(quarantine_per_test.iterdir()) == []


@pytest.mark.django_db
def test_anonymous_requests_get_401_with_a_bearer_challenge_and_nothing_is_written(
    client: Client, case: Case, uploader: User, quarantine_per_test: Path
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 4)
    client.logout()

    answers = [create(client, case, 4), head(client, location), patch(client, location, b"abcd", 0)]

    assert [(answer.status_code, answer["WWW-Authenticate"]) for answer in answers] == [(401, "Bearer")] * 3
    assert answers[0].content.decode() == "Sign in first, or send a personal API token: Authorization: Bearer <token>."
    assert TusUpload.objects.get().offset == 0
    assert [entry.name for entry in quarantine_per_test.iterdir()] == [upload.quarantine_name]


@pytest.mark.django_db
def test_session_writes_without_the_csrf_token_get_403(case: Case, uploader: User, quarantine_per_test: Path) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(uploader)

    refused = create(browser, case, 4)
    browser.get(reverse("login"))
    accepted = create(browser, case, 4, **{"X-CSRFToken": browser.cookies["csrftoken"].value})

    assert (refused.status_code, refused.content.decode()) == (
        403,
        "The CSRF check failed: send the value of the csrftoken cookie in the X-CSRFToken header.",
    )
    assert accepted.status_code == 201
    assert TusUpload.objects.count() == 1
    location = accepted["Location"]
    assert patch(browser, location, b"ab", 0).status_code == 403
    assert browser.delete(urlsplit(location).path, headers=TUS).status_code == 403
    assert patch(browser, location, b"ab", 0, **{"X-CSRFToken": browser.cookies["csrftoken"].value}).status_code == 204


# --- Personal API tokens ------------------------------------------------------------------------


def tus_with_token(live_server: Any, case: Case, secret: str) -> tus_client.TusClient:
    """A tuspy client that sends only a Bearer token: no cookie, no CSRF token."""
    return tus_client.TusClient(
        live_server.url + reverse("api:tus-create", args=[case.pk]), headers={"Authorization": f"Bearer {secret}"}
    )


@live
def test_tuspy_uploads_with_a_write_token_and_the_item_hash_matches_sha256sum(
    live_server: Any, case: Case, uploader: User, tmp_path: Path
) -> None:
    data = os.urandom(5 * MiB + 7)
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    token = issue(uploader, [case], TokenAccess.WRITE)
    client = tus_with_token(live_server, case, token.secret)

    with path.open("rb") as stream:
        upload = client.uploader(
            file_stream=stream,
            chunk_size=2 * MiB,
            metadata={"filename": "clip.mp4", "filetype": "video/mp4", "sha256": sha256(data), "caption": "A clip"},
        )
        upload.upload()
        item_id = upload.request.response_headers["custos-evidence-item"]

    item = EvidenceItem.objects.get(pk=item_id)
    sha256sum = subprocess.run(
        [shutil.which("sha256sum") or "sha256sum", str(path)], capture_output=True, text=True, check=True
    )
    assert item.sha256 == "sha256:" + sha256sum.stdout.split()[0]
    assert (item.uploaded_by, item.caption, item.client_sha256) == (uploader, "A clip", sha256(data))
    assert item.custody_events.get().details["via"] == "tus"


@pytest.mark.django_db
def test_token_requests_need_no_csrf_token_and_a_session_cookie_beside_them_is_ignored(
    case: Case, uploader: User
) -> None:
    token = issue(uploader, [case], TokenAccess.WRITE)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(MembershipFactory(role=CaseRole.INVESTIGATOR).user)  # someone else's session

    response = create(browser, case, 4, Authorization=f"Bearer {token.secret}")

    assert response.status_code == 201
    upload = TusUpload.objects.get()
    assert upload.uploaded_by == uploader
    location = response["Location"]
    assert patch(browser, location, b"ab", 0, Authorization=f"Bearer {token.secret}").status_code == 204
    assert head(browser, location, Authorization=f"Bearer {token.secret}")["Upload-Offset"] == "2"
    assert (
        browser.delete(urlsplit(location).path, headers={**TUS, "Authorization": f"Bearer {token.secret}"}).status_code
        == 204
    )
    assert TusUpload.objects.count() == 0


@pytest.mark.django_db
def test_a_read_token_may_ask_for_the_offset_but_not_create_write_or_terminate(
    client: Client, case: Case, uploader: User
) -> None:
    client.force_login(uploader)
    location, upload = started(client, case, 4)
    client.logout()
    read = {"Authorization": f"Bearer {issue(uploader, [case], TokenAccess.READ).secret}"}
    refusal = "This API token is read-only: it cannot change anything. Use a token with write access."

    answers = [
        create(client, case, 4, **read),
        patch(client, location, b"ab", 0, **read),
        client.delete(urlsplit(location).path, headers={**TUS, **read}),
    ]

    assert [(answer.status_code, answer.content.decode()) for answer in answers] == [(403, refusal)] * 3
    assert head(client, location, **read).status_code == 200
    upload.refresh_from_db()
    assert (upload.offset, TusUpload.objects.count()) == (0, 1)


@pytest.mark.django_db
def test_a_token_reaches_only_its_cases_even_where_its_owner_may_upload(
    client: Client, case: Case, uploader: User
) -> None:
    elsewhere = MembershipFactory(user=uploader, role=CaseRole.INVESTIGATOR).case
    client.force_login(uploader)
    location, _upload = started(client, case, 4)
    client.logout()
    other = {"Authorization": f"Bearer {issue(uploader, [elsewhere], TokenAccess.WRITE).secret}"}

    answers = [
        create(client, case, 4, **other),
        head(client, location, **other),
        patch(client, location, b"ab", 0, **other),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert create(client, elsewhere, 4, **other).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["wrong", "revoked", "expired"])
def test_a_wrong_revoked_or_expired_token_gets_401_with_a_bearer_challenge(
    client: Client, case: Case, uploader: User, state: str
) -> None:
    issued = issue(uploader, [case], TokenAccess.WRITE)
    secret = issued.secret
    if state == "wrong":
        secret = secret[:-4] + "xxxx"
    elif state == "revoked":
        apitoken_revoke(token=issued.token)
    else:
        ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = create(client, case, 4, Authorization=f"Bearer {secret}")

    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert (
        response.content.decode()
        == {
            "wrong": "Invalid token.",
            "revoked": "This token has been revoked.",
            "expired": "This token has expired.",
        }[state]
    )
    assert TusUpload.objects.count() == 0
