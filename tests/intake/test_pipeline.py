"""The intake pipeline, step by step, run in this process: what each step records, and hostile files."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody.selectors import custody_verify
from apps.evidence.models import Derivative, EvidenceItem, PossibleDuplicate
from apps.evidence.storage import evidence_storage
from apps.intake.quarantine import new_quarantine_name, quarantine_path
from apps.intake.services import PIPELINE_STEPS, ReceivedFile, evidence_receive
from tests.intake.test_fingerprint import write_png_bomb

pytestmark = pytest.mark.django_db


def receive(case: Case, user: User, content: bytes, filename: str, content_type: str, **fields: Any) -> EvidenceItem:
    name = new_quarantine_name()
    quarantine_path(name).write_bytes(content)
    return evidence_receive(
        case=case,
        uploaded_by=user,
        received=ReceivedFile(
            quarantine_name=name,
            sha256="sha256:" + hashlib.sha256(content).hexdigest(),
            size_bytes=len(content),
            original_filename=filename,
            declared_content_type=content_type,
        ),
        via="test",
        **fields,
    )


def run_pipeline(item: EvidenceItem) -> EvidenceItem:
    for _step, run in PIPELINE_STEPS:
        run(item_id=str(item.pk))
    item.refresh_from_db()
    return item


def photo(*, gps: bool = True, size: tuple[int, int] = (1200, 800), quality: int = 90, seed: int = 0) -> bytes:
    image = Image.new("RGB", size, (30 + seed, 40, 60))
    for x in range(0, size[0], 40):
        for y in range(0, size[1], 40):
            image.putpixel((x, y), ((x * 7 + seed) % 255, (y * 3) % 255, 200))
    image.paste((220, 120, 20), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    if gps:
        exif[0x8825] = {1: "N", 2: (50.0, 31.0, 18.48), 3: "E", 4: (30.0, 15.0, 2.16), 5: 0, 6: 95.5}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif)
    return buffer.getvalue()


def actions(item: EvidenceItem) -> list[str]:
    return list(item.custody_events.order_by("sequence").values_list("action", flat=True))


def test_a_photo_goes_from_received_to_archived_with_a_custody_event_per_step(case: Case, uploader: User) -> None:
    content = photo()
    item = receive(case, uploader, content, "IMG_0042.jpg", "image/jpeg")

    item = run_pipeline(item)

    assert item.processing_status == "archived"
    assert item.sha512 == "sha512:" + hashlib.sha512(content).hexdigest()
    assert (item.detected_content_type, item.type_mismatch) == ("image/jpeg", False)
    assert (str(item.extracted_latitude), str(item.extracted_longitude)) == ("50.521800", "30.250600")
    assert (item.camera_make, item.camera_model) == ("Canon", "EOS 5D")
    assert item.perceptual_hash_algorithm == "phash"
    assert actions(item) == [
        "received",
        "verified",
        "identified",
        "metadata_extracted",
        "fingerprinted",
        "derivative_created",
        "derivative_created",
        "archived",
    ]
    with evidence_storage().open(item.storage_name, "rb") as stored:
        assert stored.read() == content
    assert item.quarantine_name == ""
    assert sorted(Derivative.objects.filter(item=item).values_list("kind", "blurred")) == [
        ("preview", False),
        ("thumbnail", False),
    ]
    assert custody_verify(item_id=item.pk).ok


def test_running_the_pipeline_again_changes_nothing(case: Case, uploader: User) -> None:
    item = run_pipeline(receive(case, uploader, photo(), "a.jpg", "image/jpeg"))
    events, derivatives = item.custody_events.count(), Derivative.objects.count()

    run_pipeline(item)

    assert (item.custody_events.count(), Derivative.objects.count()) == (events, derivatives)


def test_exact_duplicates_share_one_stored_original_but_keep_their_own_items(case: Case, uploader: User) -> None:
    content = photo()
    first = run_pipeline(receive(case, uploader, content, "a.jpg", "image/jpeg"))
    second = run_pipeline(receive(case, uploader, content, "copy of a.jpg", "image/jpeg"))

    assert first.pk != second.pk
    assert first.storage_name == second.storage_name
    assert (first.custody_events.count(), second.custody_events.count()) == (8, 8)
    stored = Path(evidence_storage().path(first.storage_name)).parent
    assert len(list(stored.iterdir())) == 1


def test_a_re_encoded_copy_becomes_a_possible_duplicate_for_the_reviewer(case: Case, uploader: User) -> None:
    original = run_pipeline(receive(case, uploader, photo(quality=95), "a.jpg", "image/jpeg"))
    copy = run_pipeline(receive(case, uploader, photo(quality=60, gps=False), "whatsapp.jpg", "image/jpeg"))

    link = PossibleDuplicate.objects.get(item=copy)
    assert link.duplicate_of_id == original.pk
    assert link.algorithm == "phash"
    assert copy.processing_status == "archived"  # a hint, never a merge


def test_graphic_items_get_only_blurred_previews(case: Case, uploader: User) -> None:
    item = run_pipeline(receive(case, uploader, photo(), "a.jpg", "image/jpeg", is_graphic=True))

    assert set(Derivative.objects.filter(item=item).values_list("blurred", flat=True)) == {True}


@pytest.mark.parametrize(
    ("content", "filename", "declared", "note"),
    [
        (photo()[:2000], "truncated.jpg", "image/jpeg", "truncated"),
        (b"", "empty.jpg", "image/jpeg", "bytes are application/x-empty"),
        (b"MZ\x90\x00" + os.urandom(2000), "holiday.jpg", "image/jpeg", "not image/jpeg"),
        (os.urandom(4096), "noise.jpg", "image/jpeg", "not image/jpeg"),
    ],
)
def test_a_malformed_file_is_still_archived_as_evidence_with_the_reason(
    case: Case, uploader: User, content: bytes, filename: str, declared: str, note: str
) -> None:
    item = run_pipeline(receive(case, uploader, content, filename, declared))

    assert item.processing_status == "archived"
    assert item.sha256 == "sha256:" + hashlib.sha256(content).hexdigest()
    assert note in item.processing_notes
    with evidence_storage().open(item.storage_name, "rb") as stored:
        assert stored.read() == content


def test_a_decompression_bomb_is_archived_and_reported_without_crashing(
    case: Case, uploader: User, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.png"
    write_png_bomb(bomb)

    item = run_pipeline(receive(case, uploader, bomb.read_bytes(), "bomb.png", "image/png"))

    assert item.processing_status == "archived"
    assert "decompression bomb" in item.processing_notes.lower()
    assert Derivative.objects.filter(item=item).count() == 0


def test_a_zip_hidden_after_a_jpeg_is_noted_as_a_possible_polyglot(case: Case, uploader: User) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.txt", "hidden")
    content = photo() + archive.getvalue()

    item = run_pipeline(receive(case, uploader, content, "photo.jpg", "image/jpeg"))

    assert item.processing_status == "archived"
    assert item.detected_content_type == "image/jpeg"
    assert f"{len(archive.getvalue())} bytes follow the end of the image (application/zip)" in item.processing_notes
    identified = item.custody_events.get(action="identified")
    assert (identified.details["trailing_bytes"], identified.details["trailing_types"]) == (
        len(archive.getvalue()),
        ["application/zip"],
    )


def test_an_executable_named_jpg_is_flagged_as_a_type_mismatch(case: Case, uploader: User) -> None:
    item = run_pipeline(receive(case, uploader, b"MZ\x90\x00" + b"\x00" * 4000, "photo.jpg", "image/jpeg"))

    assert item.type_mismatch is True
    assert item.detected_content_type != "image/jpeg"


def test_hostile_metadata_is_kept_verbatim_and_escaped_on_the_page(case: Case, uploader: User, client: Client) -> None:
    from apps.demo.photo import PhotoMetadata, make_placeholder_photo  # noqa: PLC0415

    script = "<script>alert(1)</script>"
    content = make_placeholder_photo(
        metadata=PhotoMetadata(
            caption=script,
            credit="c",
            byline="b",
            copyright_notice="c",
            city="x",
            province_state="y",
            country="z",
            country_code="UKR",
        ),
        label="hostile",
    )
    item = run_pipeline(receive(case, uploader, content, f"{script}.jpg", "image/jpeg"))
    client.force_login(uploader)

    page = client.get(reverse("evidence:item_detail", args=[item.pk])).content.decode()

    assert item.extracted_caption == script
    assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bytes_changed_in_quarantine_fail_the_item_loudly_and_are_kept(case: Case, uploader: User) -> None:
    item = receive(case, uploader, b"original bytes", "a.bin", "application/octet-stream")
    quarantine_path(item.quarantine_name).write_bytes(b"tampered bytes")

    item = run_pipeline(item)

    assert item.processing_status == "failed"
    assert item.processing_error.startswith("The file in quarantine does not match what was received")
    assert actions(item) == ["received", "processing_failed"]
    assert quarantine_path(item.quarantine_name).read_bytes() == b"tampered bytes"
    assert item.storage_name == ""
