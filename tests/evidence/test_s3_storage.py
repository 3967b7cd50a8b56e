"""Evidence storage on S3-compatible object storage, against a real HTTP endpoint (moto's server mode).

The storage settings come from config/settings.py itself, read in a child
process with only environment variables set, exactly as production chooses
its storage; every test then gets a fresh bucket.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile

from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.services import FixityResult, fixity_check_item
from apps.evidence.enums import EvidenceKind, IntegrityStatus
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.selectors import FileCheck, archived_files_verify
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import Digests, digest_stream, evidence_storage, original_storage_name, store_original
from apps.intake.quarantine import quarantine_path
from apps.intake.services import PIPELINE_STEPS
from tests.intake.test_pipeline import photo, receive

pytestmark = pytest.mark.django_db

PAYLOAD = b"\xff\xd8 not really a jpeg, still evidence"
SHA256 = "sha256:" + hashlib.sha256(PAYLOAD).hexdigest()
PREFIX = "custos"
REGION = "us-east-1"
ACCESS_KEY = "custos-test-access-key"
SECRET_KEY = "custos-test-secret-key"
# Dummy credentials, and no profile or config file of whoever runs the tests.
AWS_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def _environment_without_storage_settings() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "EVIDENCE_"))}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on a spare local port, for the whole session."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**_environment_without_storage_settings(), **AWS_TEST_ENVIRONMENT},
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                connection.request("GET", "/moto-api/")
                connection.getresponse().read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto's server did not start: {log.read_text(errors='replace')}")
                time.sleep(0.1)
            finally:
                connection.close()
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_storage_setting(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """STORAGES["evidence"] as config/settings.py builds it from the environment alone.

    The secret is given as a file (AWS_SECRET_ACCESS_KEY_FILE), as container secrets are.
    """
    secret_file = tmp_path_factory.mktemp("secrets") / "aws_secret_access_key"
    secret_file.write_text(SECRET_KEY + "\n", encoding="utf-8")
    environment = {
        **_environment_without_storage_settings(),
        "EVIDENCE_STORAGE": "s3",
        "EVIDENCE_S3_BUCKET": "evidence",
        "EVIDENCE_S3_ENDPOINT_URL": s3_endpoint,
        "EVIDENCE_S3_REGION": REGION,
        "EVIDENCE_S3_PREFIX": f"/{PREFIX}/",
        "EVIDENCE_S3_SSE": "AES256",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY_FILE": str(secret_file),
    }
    script = "import json, config.settings as s; print(json.dumps(s.STORAGES['evidence']))"
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    setting: dict[str, Any] = json.loads(completed.stdout)
    return setting


@pytest.fixture
def bucket(s3_storage_setting: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """A fresh bucket, made the evidence storage for this test (as evidence_storage_per_test does for disk)."""
    for key, value in AWS_TEST_ENVIRONMENT.items():
        monkeypatch.setenv(key, value)
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    s3_client(s3_storage_setting).create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {**s3_storage_setting, "OPTIONS": {**s3_storage_setting["OPTIONS"], "bucket_name": name}},
    }
    settings.INTAKE_QUARANTINE_ROOT = tmp_path / "quarantine"
    return name


def s3_client(setting: dict[str, Any]) -> Any:
    """A plain boto3 client on the same endpoint: another party that reads and tampers behind the storage's back."""
    return boto3.client(
        "s3",
        endpoint_url=setting["OPTIONS"]["endpoint_url"],
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def s3(s3_storage_setting: dict[str, Any]) -> Any:
    return s3_client(s3_storage_setting)


def keys(s3: Any, bucket: str) -> list[str]:
    return [entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def object_bytes(s3: Any, bucket: str, name: str) -> bytes:
    body: bytes = s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{name}")["Body"].read()
    return body


def import_payload(case: Case, content: bytes = PAYLOAD, filename: str = "a.jpg") -> EvidenceItem:
    return evidence_import_file(
        case=case,
        stream=io.BytesIO(content),
        original_filename=filename,
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )


def test_the_environment_alone_configures_s3_evidence_storage(
    s3_storage_setting: dict[str, Any], s3_endpoint: str
) -> None:
    assert s3_storage_setting == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "evidence",
            "location": PREFIX,
            "endpoint_url": s3_endpoint,
            "region_name": REGION,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "gzip": False,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "max_memory_size": 16 * 1024 * 1024,
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
        },
    }


def test_s3_storage_without_a_bucket_is_refused_at_startup() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=django_settings.BASE_DIR,
        env={**_environment_without_storage_settings(), "EVIDENCE_STORAGE": "s3"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: EVIDENCE_STORAGE=s3 needs EVIDENCE_S3_BUCKET, the bucket's name."
    )


def test_an_imported_file_is_archived_in_the_bucket_at_its_content_address(case: Case, bucket: str, s3: Any) -> None:
    item = import_payload(case)

    hexdigest = SHA256.removeprefix("sha256:")
    assert item.storage_name == f"originals/sha256/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest}"
    assert keys(s3, bucket) == [f"{PREFIX}/{item.storage_name}"]
    assert object_bytes(s3, bucket, item.storage_name) == PAYLOAD
    head = s3.head_object(Bucket=bucket, Key=f"{PREFIX}/{item.storage_name}")
    assert (head["ServerSideEncryption"], head["ContentLength"]) == ("AES256", len(PAYLOAD))
    assert item.custody_events.get(action="archived").details["storage_name"] == item.storage_name


def test_identical_bytes_are_stored_once_in_the_bucket_but_each_upload_keeps_its_item(
    case: Case, bucket: str, s3: Any
) -> None:
    items = [import_payload(case, filename=name) for name in ("a.jpg", "b.jpg")]

    assert [item.number for item in items] == [1, 2]
    assert {item.storage_name for item in items} == {original_storage_name(sha256=SHA256)}
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert [item.custody_events.count() for item in items] == [2, 2]


def test_a_copy_stored_by_another_worker_meanwhile_is_kept_and_ours_removed(
    bucket: str, s3: Any, s3_storage_setting: dict[str, Any]
) -> None:
    """The race between exists() and save(): S3Storage picks a free name rather than overwrite; that copy goes."""
    name = original_storage_name(sha256=SHA256)
    storage = evidence_storage()
    other_worker = s3_client(s3_storage_setting)
    heads: list[int] = []

    def store_theirs_after_our_first_look(parsed: dict[str, Any], **kwargs: Any) -> None:
        heads.append(parsed["ResponseMetadata"]["HTTPStatusCode"])
        if len(heads) == 1:
            other_worker.put_object(Bucket=bucket, Key=f"{PREFIX}/{name}", Body=PAYLOAD, Metadata={"by": "other"})

    events = storage.connection.meta.client.meta.events  # type: ignore[attr-defined]
    events.register("after-call.s3.HeadObject", store_theirs_after_our_first_look)
    try:
        stored_name = store_original(stream=io.BytesIO(PAYLOAD), digests=digest_stream(io.BytesIO(PAYLOAD)))
    finally:
        events.unregister("after-call.s3.HeadObject", store_theirs_after_our_first_look)

    # Our exists() (free), S3Storage's own (taken), the free name it chose; then the read-back's.
    assert heads[:3] == [404, 200, 404]
    assert stored_name == name
    assert keys(s3, bucket) == [f"{PREFIX}/{name}"]
    assert s3.head_object(Bucket=bucket, Key=f"{PREFIX}/{name}")["Metadata"] == {"by": "other"}


def test_s3_storage_never_overwrites_a_stored_name(bucket: str, s3: Any) -> None:
    """What store_content_addressed relies on: saving to a taken name yields another name."""
    name = store_original(stream=io.BytesIO(PAYLOAD), digests=digest_stream(io.BytesIO(PAYLOAD)))

    other = evidence_storage().save(name, ContentFile(b"other bytes"))

    assert other != name
    assert object_bytes(s3, bucket, name) == PAYLOAD


def test_a_stored_copy_that_differs_from_the_hashes_is_refused(bucket: str) -> None:
    wrong = Digests(sha256=SHA256, sha512="sha512:" + "0" * 128, size_bytes=len(PAYLOAD))

    with pytest.raises(Exception, match="does not match the hashes"):
        store_original(stream=io.BytesIO(PAYLOAD), digests=wrong)


def test_the_pipeline_archives_an_image_and_its_derivatives_in_the_bucket_and_releases_quarantine(
    case: Case, investigator: User, bucket: str, s3: Any, django_capture_on_commit_callbacks: Any
) -> None:
    content = photo()
    item = receive(case, investigator, content, "IMG_0042.jpg", "image/jpeg")
    quarantined = quarantine_path(item.quarantine_name)

    for step, run in PIPELINE_STEPS:
        with django_capture_on_commit_callbacks(execute=step == "archive"):
            run(item_id=str(item.pk))

    item.refresh_from_db()
    derivatives = list(Derivative.objects.filter(item=item).order_by("kind"))
    assert (item.processing_status, item.quarantine_name, quarantined.exists()) == ("archived", "", False)
    assert [(derivative.kind, derivative.blurred) for derivative in derivatives] == [
        ("preview", False),
        ("thumbnail", False),
    ]
    assert sorted(keys(s3, bucket)) == sorted(
        f"{PREFIX}/{name}" for name in [item.storage_name, *(derivative.storage_name for derivative in derivatives)]
    )
    assert object_bytes(s3, bucket, item.storage_name) == content
    for derivative in derivatives:
        stored = object_bytes(s3, bucket, derivative.storage_name)
        assert "sha256:" + hashlib.sha256(stored).hexdigest() == derivative.sha256
        assert derivative.storage_name == original_storage_name(sha256=derivative.sha256).replace(
            "originals/", "derivatives/", 1
        )


def test_fixity_passes_on_s3_then_finds_an_overwritten_then_a_deleted_object(case: Case, bucket: str, s3: Any) -> None:
    item = import_payload(case)
    key = f"{PREFIX}/{item.storage_name}"

    passed = fixity_check_item(item_id=item.pk)
    s3.put_object(Bucket=bucket, Key=key, Body=b"other bytes altogether")
    changed = fixity_check_item(item_id=item.pk)
    s3.delete_object(Bucket=bucket, Key=key)
    missing = fixity_check_item(item_id=item.pk)

    item_id = str(item.pk)
    assert passed == FixityResult(item_id=item_id, passed=True)
    assert changed == FixityResult(item_id=item_id, passed=False, problem="mismatch")
    assert missing == FixityResult(item_id=item_id, passed=False, problem="missing")
    item.refresh_from_db()
    assert item.integrity_status == IntegrityStatus.FAILED
    assert list(item.custody_events.order_by("sequence").values_list("action", flat=True))[-3:] == [
        "fixity_passed",
        "fixity_failed",
        "fixity_failed",
    ]


def test_verify_custody_file_check_flags_a_changed_object(case: Case, bucket: str, s3: Any) -> None:
    item = import_payload(case)
    before = archived_files_verify()
    tampered = b"\xff\xd8 a different picture"
    s3.put_object(Bucket=bucket, Key=f"{PREFIX}/{item.storage_name}", Body=tampered)

    after = archived_files_verify()

    assert before == FileCheck(checked=1, failures=[])
    found = "sha256:" + hashlib.sha256(tampered).hexdigest()
    assert after == FileCheck(
        checked=1, failures=[f"item {item.pk}: {item.storage_name} does not match its hash (found {found})"]
    )
