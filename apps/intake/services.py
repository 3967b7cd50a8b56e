"""Intake: receipt of an upload and the pipeline steps that turn it into archived evidence.

Every step is idempotent. The slow part of a step (reading the file,
extracting, deriving) runs outside any transaction; its result is then
written under a row lock on the item, together with the step's custody
event, only if the step is not already recorded as done. So a task that is
redelivered after a crash, or run twice by the sweeper, neither duplicates
rows nor custody events.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import mimetypes
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import PIL
import puremagic
from django.db import transaction

from apps.custody.enums import CustodyAction
from apps.custody.services import custody_record, system_actor
from apps.evidence.enums import EvidenceKind, ProcessingStatus
from apps.evidence.filenames import filename_custody_details, filename_fields
from apps.evidence.models import Derivative, EvidenceItem, PossibleDuplicate
from apps.evidence.services import evidence_item_next_number
from apps.evidence.storage import Digests, digest_stream, store_content_addressed, store_original
from apps.intake.quarantine import quarantine_path

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case

logger = logging.getLogger(__name__)

HASH_CHUNK = 4 * 1024 * 1024
PIPELINE_ACTOR = "intake"

# The media modules (numpy/scipy via ImageHash, pypdf, Pillow plugins) are
# imported inside the steps that use them: web processes import this module
# to receive uploads, and loading those libraries there would cost ~35 MB of
# memory per web worker for code only the Celery workers run.


class ClientHashMismatchError(Exception):
    """The SHA-256 the uploader sent differs from the one computed from the bytes received."""

    def __init__(self, *, client: str, server: str) -> None:
        super().__init__(f"The file's SHA-256 is {server}, not {client} as the upload said: it changed on the way.")
        self.client, self.server = client, server


@dataclass(frozen=True)
class ReceivedFile:
    """Bytes already in quarantine, with the SHA-256 taken while they arrived."""

    quarantine_name: str
    sha256: str
    size_bytes: int
    original_filename: str
    declared_content_type: str


def normalise_client_sha256(value: str) -> str:
    """Accept "<hex>" or "sha256:<hex>" (any case); return "sha256:<hex>" or "" if none was given."""
    value = value.strip().lower()
    if not value:
        return ""
    hexdigest = value.removeprefix("sha256:")
    if len(hexdigest) != 64 or any(char not in "0123456789abcdef" for char in hexdigest):
        raise ValueError("A SHA-256 is 64 hexadecimal characters, optionally prefixed with 'sha256:'.")
    return "sha256:" + hexdigest


def kind_from_content_type(content_type: str) -> EvidenceKind:
    major = content_type.split("/", 1)[0]
    return {
        "image": EvidenceKind.IMAGE,
        "video": EvidenceKind.VIDEO,
        "audio": EvidenceKind.AUDIO,
        "text": EvidenceKind.DOCUMENT,
    }.get(major, EvidenceKind.DOCUMENT if content_type == "application/pdf" else EvidenceKind.OTHER_DIGITAL)


def evidence_receive(
    *,
    case: Case,
    uploaded_by: User,
    received: ReceivedFile,
    client_sha256: str = "",
    via: str,
    **descriptive_fields: Any,
) -> EvidenceItem:
    """Turn bytes in quarantine into an evidence item: the first custody event, then the pipeline.

    Refuses (ClientHashMismatchError, nothing kept) when the uploader's hash
    differs from the one computed on arrival. Side effects: one EvidenceItem
    (status received), its "received" custody event, and, after commit, the
    pipeline enqueued (if the broker is down the item waits for the sweeper).
    """
    client = normalise_client_sha256(client_sha256)
    if client and client != received.sha256:
        quarantine_path(received.quarantine_name).unlink(missing_ok=True)
        raise ClientHashMismatchError(client=client, server=received.sha256)
    with transaction.atomic():
        item = EvidenceItem.objects.create(
            case=case,
            number=evidence_item_next_number(case=case),
            kind=descriptive_fields.pop("kind", None) or kind_from_content_type(received.declared_content_type),
            **filename_fields(received.original_filename),
            declared_content_type=received.declared_content_type[:255],
            size_bytes=received.size_bytes,
            client_sha256=client,
            sha256=received.sha256,
            quarantine_name=received.quarantine_name,
            processing_status=ProcessingStatus.RECEIVED,
            uploaded_by=uploaded_by,
            last_edited_by=uploaded_by,
            **descriptive_fields,
        )
        custody_record(
            item=item,
            action=CustodyAction.RECEIVED,
            actor_user=uploaded_by,
            details={
                **filename_custody_details(received.original_filename),
                "declared_content_type": received.declared_content_type,
                "size_bytes": received.size_bytes,
                "sha256": received.sha256,
                "client_sha256": client or None,
                "via": via,
            },
        )
        transaction.on_commit(lambda: pipeline_enqueue(item_id=str(item.pk)))
    return item


def pipeline_enqueue(*, item_id: str) -> bool:
    """Send the item's pipeline to the broker. False (logged) when the broker cannot be reached."""
    from apps.intake.tasks import pipeline_signature  # noqa: PLC0415 (tasks import services)

    try:
        pipeline_signature(item_id=item_id).apply_async()
    except Exception:
        logger.warning(
            "could not enqueue the intake pipeline for item %s; the sweeper will retry", item_id, exc_info=True
        )
        return False
    return True


# --- Pipeline steps ---------------------------------------------------------------------


def _hash_both(stream: IO[bytes]) -> tuple[str, str, int]:
    """SHA-256 and SHA-512 in one pass over the file, in two threads.

    hashlib releases the GIL while it hashes a large buffer, so the two
    digests run in parallel on two cores and the pass costs little more
    than SHA-512 alone.
    """
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    size = 0
    while chunk := stream.read(HASH_CHUNK):
        size += len(chunk)
        worker = threading.Thread(target=sha256.update, args=(chunk,))
        worker.start()
        sha512.update(chunk)
        worker.join()
    return "sha256:" + sha256.hexdigest(), "sha512:" + sha512.hexdigest(), size


def _record_step(
    *,
    item_id: str,
    step: str,
    action: CustodyAction,
    details: dict[str, Any],
    apply: Callable[[EvidenceItem], None] | None = None,
) -> EvidenceItem | None:
    """Apply a step's result and its custody event once: None if the step was already recorded."""
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if step in item.processing_steps or item.processing_status in (ProcessingStatus.FAILED,):
            return None
        if apply is not None:
            apply(item)
        item.processing_steps = [*item.processing_steps, step]
        if item.processing_status == ProcessingStatus.RECEIVED:
            item.processing_status = ProcessingStatus.PROCESSING
        item.save()
        custody_record(item=item, action=action, actor_system=system_actor(PIPELINE_ACTOR), details=details)
        return item


def pipeline_fail(*, item_id: str, reason: str, details: dict[str, Any]) -> None:
    """Mark the item failed with a reason a person can read; the quarantined bytes are kept for investigation."""
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if item.processing_status == ProcessingStatus.FAILED:
            return
        item.processing_status = ProcessingStatus.FAILED
        item.processing_error = reason
        item.save(update_fields=["processing_status", "processing_error", "updated_at"])
        custody_record(
            item=item,
            action=CustodyAction.PROCESSING_FAILED,
            actor_system=system_actor(PIPELINE_ACTOR),
            details={**details, "reason": reason},
        )


def _pending(item_id: str, step: str) -> EvidenceItem | None:
    """The item if this step still has to run for it; None if it ran, the item failed, or no such item exists.

    A message can outlive its item (a test database rolled back, a restored
    backup): that is logged and dropped, not retried forever.
    """
    item = EvidenceItem.objects.filter(pk=item_id).first()
    if item is None:
        logger.warning("intake step %s: no evidence item %s; message dropped", step, item_id)
        return None
    if step in item.processing_steps or item.processing_status == ProcessingStatus.FAILED:
        return None
    return item


def step_verify(*, item_id: str) -> None:
    """Re-read the quarantined bytes: SHA-256 must equal the receipt's; SHA-512 is taken in the same pass."""
    item = _pending(item_id, "verify")
    if item is None:
        return
    path = quarantine_path(item.quarantine_name)
    try:
        with path.open("rb") as stream:
            sha256, sha512, size = _hash_both(stream)
    except FileNotFoundError:
        pipeline_fail(
            item_id=item_id,
            reason="The received file is missing from quarantine; it cannot be verified.",
            details={"quarantine_name": item.quarantine_name},
        )
        return
    if sha256 != item.sha256 or size != item.size_bytes:
        pipeline_fail(
            item_id=item_id,
            reason=(
                "The file in quarantine does not match what was received (SHA-256 or size differs). "
                "It was kept for investigation and was not archived."
            ),
            details={"expected_sha256": item.sha256, "found_sha256": sha256, "found_size_bytes": size},
        )
        return

    def apply(locked: EvidenceItem) -> None:
        locked.sha512 = sha512

    _record_step(
        item_id=item_id,
        step="verify",
        action=CustodyAction.VERIFIED,
        details={"sha256": sha256, "sha512": sha512, "size_bytes": size, "tool": f"hashlib/{_openssl_version()}"},
        apply=apply,
    )


def _openssl_version() -> str:
    return ssl.OPENSSL_VERSION


def quarantined_file(item: EvidenceItem) -> Path:
    return quarantine_path(item.quarantine_name)


@dataclass(frozen=True)
class Identification:
    content_type: str
    description: str
    candidates: list[str]


def identify_bytes(path: Path) -> Identification:
    """The file's true type from its bytes (magic numbers), never from its name."""
    try:
        matches = puremagic.magic_file(str(path))
    except (ValueError, puremagic.PureError):
        matches = []
    typed = [match for match in matches if match.mime_type]
    candidates = sorted({match.mime_type for match in typed})
    if typed:
        best = max(typed, key=lambda match: match.confidence)
        return Identification(best.mime_type, best.name, candidates)
    if matches:
        return Identification("application/octet-stream", matches[0].name, candidates)
    if path.stat().st_size == 0:
        return Identification("application/x-empty", "empty file", [])
    return Identification("application/octet-stream", "unknown binary data", [])


# Where an image format ends: bytes after that point are not part of the image.
_IMAGE_END_MARKERS = {"image/jpeg": b"\xff\xd9", "image/png": b"IEND\xae\x42\x60\x82", "image/gif": b"\x00\x3b"}
_TRAILER_PROBE_BYTES = 64 * 1024 * 1024  # look for the end marker in the last 64 MiB only


def trailing_payload(path: Path, content_type: str) -> tuple[int, list[str]]:
    """Bytes after the image's end marker, and what they look like (a ZIP appended to a JPEG, say).

    Viewers ignore such bytes, so a file can be a valid photo and an archive
    at once (a polyglot); magic-number sniffing only reads the start and
    misses it.
    """
    marker = _IMAGE_END_MARKERS.get(content_type)
    if marker is None:
        return 0, []
    size = path.stat().st_size
    with path.open("rb") as stream:
        stream.seek(max(0, size - _TRAILER_PROBE_BYTES))
        tail = stream.read()
    end = tail.rfind(marker)
    if end < 0:
        return 0, []
    trailing = tail[end + len(marker) :]
    if not trailing.strip(b"\x00\r\n\t "):
        return 0, []
    try:
        types = {match.mime_type for match in puremagic.magic_string(trailing) if match.mime_type}
        best = puremagic.from_string(trailing, mime=True)
    except (ValueError, puremagic.PureError):
        return len(trailing), []
    # Many formats are ZIP containers (docx, apk, jar); name the container, which is what was appended.
    kind = "application/zip" if "application/zip" in types else best
    return len(trailing), [kind] if kind else []


def _declared_type_from_name(filename: str) -> str:
    return mimetypes.guess_type(filename.replace("\x00", ""), strict=False)[0] or ""


def step_identify(*, item_id: str) -> None:
    item = _pending(item_id, "identify")
    if item is None:
        return
    found = identify_bytes(quarantined_file(item))
    by_name = _declared_type_from_name(item.original_filename)
    declared = {item.declared_content_type, by_name} - {"", "application/octet-stream"}
    mismatch = bool(declared) and found.content_type not in declared
    notes = []
    if mismatch:
        notes.append(
            f"The bytes are {found.content_type} ({found.description}), not "
            f"{' / '.join(sorted(declared))} as the name or declared type says."
        )
    if len(found.candidates) > 1:
        notes.append(f"The bytes match several formats ({', '.join(found.candidates)}): possibly a polyglot file.")
    trailing_bytes, trailing_kinds = trailing_payload(quarantined_file(item), found.content_type)
    if trailing_bytes:
        notes.append(
            f"{trailing_bytes} bytes follow the end of the image"
            + (f" ({', '.join(trailing_kinds)})" if trailing_kinds else "")
            + ": possibly a polyglot file or a hidden payload."
        )

    def apply(locked: EvidenceItem) -> None:
        locked.detected_content_type = found.content_type
        locked.type_mismatch = mismatch
        locked.kind = (
            kind_from_content_type(found.content_type) if locked.kind != EvidenceKind.PHYSICAL else locked.kind
        )
        _add_notes(locked, notes)

    _record_step(
        item_id=item_id,
        step="identify",
        action=CustodyAction.IDENTIFIED,
        details={
            "detected_content_type": found.content_type,
            "description": found.description,
            "candidates": found.candidates,
            "declared": sorted(declared),
            "mismatch": mismatch,
            "trailing_bytes": trailing_bytes,
            "trailing_types": trailing_kinds,
            "tool": f"puremagic/{importlib.metadata.version('puremagic')}",
        },
        apply=apply,
    )


def _add_notes(item: EvidenceItem, notes: list[str]) -> None:
    if notes:
        item.processing_notes = "\n".join(filter(None, [item.processing_notes, *notes]))


def step_describe(*, item_id: str) -> None:
    """Extract metadata (EXIF/IPTC/XMP, ffprobe, PDF) and normalise what matters into columns."""
    from apps.intake.metadata import extract_metadata  # noqa: PLC0415 (worker-only import, see above)

    item = _pending(item_id, "describe")
    if item is None:
        return
    result = extract_metadata(quarantined_file(item), item.detected_content_type or item.declared_content_type)

    def apply(locked: EvidenceItem) -> None:
        locked.metadata = result.raw
        locked.extracted_captured_at = result.captured_at
        locked.camera_make, locked.camera_model = result.camera_make[:200], result.camera_model[:200]
        if result.latitude is not None and result.longitude is not None:
            locked.extracted_latitude, locked.extracted_longitude = result.latitude, result.longitude
        locked.extracted_altitude_m = result.altitude_m
        locked.extracted_caption = result.caption
        locked.extracted_credit = result.credit[:500]
        _add_notes(locked, [*result.warnings, *(f"{s.tool} skipped: {s.reason}" for s in result.skipped)])

    _record_step(
        item_id=item_id,
        step="describe",
        action=CustodyAction.METADATA_EXTRACTED,
        details={
            "tools": result.tools,
            "skipped": [{"tool": s.tool, "reason": s.reason} for s in result.skipped],
            "warnings": result.warnings,
            "captured_at": result.captured_at.isoformat() if result.captured_at else None,
            "gps": [str(result.latitude), str(result.longitude)] if result.latitude is not None else None,
            "camera": " ".join(filter(None, [result.camera_make, result.camera_model])) or None,
        },
        apply=apply,
    )


def step_fingerprint(*, item_id: str) -> None:
    """Perceptual hash; near-duplicates in the same case become "possible duplicate" hints for reviewers."""
    from apps.intake.fingerprint import (  # noqa: PLC0415 (worker-only import, see above)
        PHASH_MATCH_DISTANCE,
        FingerprintError,
        fingerprint_file,
        hamming_distance,
    )

    item = _pending(item_id, "fingerprint")
    if item is None:
        return
    notes: list[str] = []
    try:
        fingerprint = fingerprint_file(quarantined_file(item), item.detected_content_type)
    except FingerprintError as error:
        fingerprint, notes = None, [f"No perceptual hash: {error}"]
    matches: list[tuple[str, int]] = []
    if fingerprint is not None:
        others = (
            EvidenceItem.objects.filter(case_id=item.case_id, perceptual_hash_algorithm=fingerprint.algorithm)
            .exclude(pk=item.pk)
            .exclude(perceptual_hash="")
            .values_list("id", "perceptual_hash")
        )
        for other_id, other_hash in others.iterator():
            distance = hamming_distance(fingerprint.value, other_hash)
            if distance <= PHASH_MATCH_DISTANCE:
                matches.append((str(other_id), distance))

    def apply(locked: EvidenceItem) -> None:
        if fingerprint is not None:
            locked.perceptual_hash = fingerprint.value
            locked.perceptual_hash_algorithm = fingerprint.algorithm
        for other_id, distance in matches:
            PossibleDuplicate.objects.get_or_create(
                item=locked,
                duplicate_of_id=other_id,
                defaults={"algorithm": fingerprint.algorithm if fingerprint else "", "distance": distance},
            )
        _add_notes(locked, notes)

    _record_step(
        item_id=item_id,
        step="fingerprint",
        action=CustodyAction.FINGERPRINTED,
        details={
            "algorithm": fingerprint.algorithm if fingerprint else None,
            "value": fingerprint.value if fingerprint else None,
            "source": fingerprint.source if fingerprint else None,
            "possible_duplicates": [{"item_id": other, "distance": distance} for other, distance in matches],
            "threshold": PHASH_MATCH_DISTANCE,
            "tool": f"ImageHash/{importlib.metadata.version('ImageHash')}",
            "notes": notes,
        },
        apply=apply,
    )


def step_derive(*, item_id: str) -> None:
    """Thumbnails and previews (blurred when graphic), stored content-addressed with their own hashes."""
    from apps.intake.derive import DeriveError, make_derivatives  # noqa: PLC0415 (worker-only import, see above)

    item = _pending(item_id, "derive")
    if item is None:
        return
    made: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="custos-derive-") as scratch:
        try:
            files = make_derivatives(
                quarantined_file(item), item.detected_content_type, out_dir=Path(scratch), blur=item.is_graphic
            )
        except DeriveError as error:
            files, notes = [], [f"No previews: {error}"]
        for derived in files:
            with derived.path.open("rb") as stream:
                digests = digest_stream(stream)
                storage_name = store_content_addressed(stream=stream, digests=digests, prefix="derivatives")
            made.append(
                {
                    "kind": derived.kind,
                    "blurred": derived.blurred,
                    "storage_name": storage_name,
                    "sha256": digests.sha256,
                    "size_bytes": digests.size_bytes,
                    "content_type": derived.content_type,
                    "width": derived.width,
                    "height": derived.height,
                }
            )
    tool = _pillow_tool()

    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if "derive" in locked.processing_steps:
            return
        for spec in made:
            Derivative.objects.get_or_create(
                item=locked, kind=spec["kind"], blurred=spec["blurred"], defaults={**spec, "tool": tool}
            )
            custody_record(
                item=locked,
                action=CustodyAction.DERIVATIVE_CREATED,
                actor_system=system_actor(PIPELINE_ACTOR),
                details={**spec, "tool": tool, "from_sha256": locked.sha256},
            )
        _add_notes(locked, notes)
        locked.processing_steps = [*locked.processing_steps, "derive"]
        locked.save()


def _pillow_tool() -> str:
    return f"Pillow/{PIL.__version__}"


def step_archive(*, item_id: str) -> None:
    """Copy the original into write-once, content-addressed storage, read it back, then release the quarantine copy.

    Identical bytes already archived (an exact duplicate) are not stored again:
    the item points at the same stored original, with its own custody.
    """
    item = _pending(item_id, "archive")
    if item is None:
        return
    path = quarantined_file(item)
    with path.open("rb") as stream:
        storage_name = store_original(
            stream=stream, digests=Digests(sha256=item.sha256, sha512=item.sha512, size_bytes=item.size_bytes or 0)
        )
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item_id)
        if "archive" in locked.processing_steps:
            return
        quarantine_name = locked.quarantine_name
        locked.storage_name = storage_name
        locked.quarantine_name = ""
        locked.processing_status = ProcessingStatus.ARCHIVED
        locked.processing_steps = [*locked.processing_steps, "archive"]
        locked.save()
        custody_record(
            item=locked,
            action=CustodyAction.ARCHIVED,
            actor_system=system_actor(PIPELINE_ACTOR),
            details={
                "storage_name": storage_name,
                "sha256": locked.sha256,
                "sha512": locked.sha512,
                "read_back_verified": True,
            },
        )
        transaction.on_commit(lambda: quarantine_path(quarantine_name).unlink(missing_ok=True))


PIPELINE_STEPS: list[tuple[str, Callable[..., None]]] = [
    ("verify", step_verify),
    ("identify", step_identify),
    ("describe", step_describe),
    ("fingerprint", step_fingerprint),
    ("derive", step_derive),
    ("archive", step_archive),
]


def evidence_receive_uploads(
    *,
    case: Case,
    uploaded_by: User,
    uploads: list[Any],
    client_sha256s: list[str],
    via: str,
    descriptive_fields: dict[str, Any],
) -> list[EvidenceItem]:
    """Receive the files of one request together: all become items, or none (a hash mismatch refuses all).

    ``uploads`` are QuarantinedUpload objects (already in quarantine, hashed on
    arrival); ``client_sha256s`` lines up with them ("" where none was given).
    """
    received = [
        ReceivedFile(
            quarantine_name=upload.quarantine_name,
            sha256=upload.sha256,
            size_bytes=upload.size,
            original_filename=getattr(upload, "original_name", upload.name) or "",
            declared_content_type=upload.content_type or "",
        )
        for upload in uploads
    ]
    client_hashes = [normalise_client_sha256(value) for value in client_sha256s] + [""] * len(received)
    for file, client in zip(received, client_hashes, strict=False):
        if client and client != file.sha256:
            raise ClientHashMismatchError(client=client, server=file.sha256)
    with transaction.atomic():
        return [
            evidence_receive(
                case=case, uploaded_by=uploaded_by, received=file, client_sha256=client, via=via, **descriptive_fields
            )
            for file, client in zip(received, client_hashes, strict=False)
        ]


def discard_quarantined(uploads: list[Any]) -> None:
    """Remove quarantine files of a refused request: refused bytes never become evidence."""
    for upload in uploads:
        name = getattr(upload, "quarantine_name", "")
        if name and not EvidenceItem.objects.filter(quarantine_name=name).exists():
            upload.close()
            quarantine_path(name).unlink(missing_ok=True)
