import io
import stat
from pathlib import Path

import pytest
from django.conf import settings

from apps.evidence.enums import EvidenceKind
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import digest_stream, evidence_storage, original_storage_name, store_original

pytestmark = pytest.mark.django_db

PAYLOAD = b"\xff\xd8 not really a jpeg, still evidence"
HOSTILE_NAME = "../../etc/passwd\x00 " + "й" * 3000 + ".jpg"
SHA256 = "sha256:" + __import__("hashlib").sha256(PAYLOAD).hexdigest()


def test_digests_carry_their_algorithm() -> None:
    digests = digest_stream(io.BytesIO(PAYLOAD))

    assert digests.sha256 == SHA256
    assert digests.sha512.startswith("sha512:")
    assert len(digests.sha512) == 135
    assert digests.size_bytes == len(PAYLOAD)


def test_the_storage_path_comes_from_the_hash_never_from_the_filename(case: object) -> None:
    item = evidence_import_file(
        case=case,  # type: ignore[arg-type]
        stream=io.BytesIO(PAYLOAD),
        original_filename=HOSTILE_NAME,
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )

    hexdigest = SHA256.removeprefix("sha256:")
    assert item.storage_name == f"originals/sha256/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest}"
    item.refresh_from_db()
    assert bytes(item.original_filename_raw).decode("utf-8") == HOSTILE_NAME
    assert item.original_filename == HOSTILE_NAME.replace("\x00", "\\x00")
    assert item.custody_events.get(sequence=1).details["original_filename_utf8_hex"] == HOSTILE_NAME.encode().hex()
    assert item.number == 1


def test_identical_bytes_are_stored_once_but_each_upload_keeps_its_own_item(case: object) -> None:
    items = [
        evidence_import_file(
            case=case,  # type: ignore[arg-type]
            stream=io.BytesIO(PAYLOAD),
            original_filename=name,
            declared_content_type="image/jpeg",
            kind=EvidenceKind.IMAGE,
            actor_system="system:test/1",
        )
        for name in ("a.jpg", "b.jpg")
    ]

    folder = Path(settings.EVIDENCE_ROOT) / original_storage_name(sha256=SHA256)
    assert [item.number for item in items] == [1, 2]
    assert {item.storage_name for item in items} == {original_storage_name(sha256=SHA256)}
    assert len(list(folder.parent.iterdir())) == 1
    assert [item.custody_events.count() for item in items] == [2, 2]


def test_archived_originals_are_read_only_on_disk(case: object) -> None:
    item = evidence_import_file(
        case=case,  # type: ignore[arg-type]
        stream=io.BytesIO(PAYLOAD),
        original_filename="x.bin",
        declared_content_type="application/octet-stream",
        kind=EvidenceKind.OTHER_DIGITAL,
        actor_system="system:test/1",
    )

    mode = Path(evidence_storage().path(item.storage_name)).stat().st_mode

    assert stat.S_IMODE(mode) == 0o440


class _FailingStream(io.BytesIO):
    """A stream that breaks after its first chunk, as when a worker dies mid-write."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() > 0:
            raise OSError("the worker died here")
        return super().read(2)


def test_a_write_that_dies_midway_leaves_nothing_under_the_name_and_a_retry_stores_the_file(db: None) -> None:
    digests = digest_stream(io.BytesIO(PAYLOAD))
    final = Path(evidence_storage().path(original_storage_name(sha256=digests.sha256)))
    # What a SIGKILL would leave behind from an earlier attempt (no clean-up ran).
    final.parent.mkdir(parents=True, exist_ok=True)
    (final.parent / ".partial-crashed").write_bytes(PAYLOAD[:3])

    with pytest.raises(OSError, match="the worker died here"):
        store_original(stream=_FailingStream(PAYLOAD), digests=digests)
    assert not final.exists()

    name = store_original(stream=io.BytesIO(PAYLOAD), digests=digests)

    assert Path(evidence_storage().path(name)).read_bytes() == PAYLOAD
    assert sorted(path.name for path in final.parent.iterdir()) == [".partial-crashed", final.name]
