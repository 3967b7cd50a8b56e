"""Resumable uploads: the tus 1.0.0 protocol (core, creation, termination, checksum, expiration).

https://tus.io/protocols/resumable-upload. A client creates an upload (POST,
with the total length and its metadata), then sends the bytes in one or more
PATCH requests, each starting at the offset the server last recorded; after a
broken connection it asks for that offset (HEAD) and goes on from there.
When the last byte arrives, the file becomes evidence through the same
receipt as a form upload (``evidence_receive(..., via="tus")``).

Invariants that make resuming safe:

- The recorded offset (TusUpload.offset) is the truth. Bytes up to it were
  fsynced before it was recorded; bytes past it (a request killed between the
  write and the record) are cut off by the next PATCH before it writes.
- One request at a time writes an upload: a PATCH holds an exclusive flock on
  the quarantine file (another gets 423 Locked, which tus clients retry).
  Termination and expiry take the same lock, so they never pull a file from
  under a PATCH that is writing it.
- Once the item exists the quarantine file is the item's: nothing here
  writes, truncates or deletes it any more.

Requests are made with the browser's session (writes need the CSRF token)
or with a personal API token (``Authorization: Bearer``, apps.apitokens):
a read-only token may only ask for an offset, and a token reaches only its
own cases.

Metadata is stored as sent (base64 per key), so the declared filename is
kept byte for byte, NUL included (PostgreSQL JSON cannot hold NUL), and is
never used as a path: quarantine names are random.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS

from apps.apitokens.authentication import KEYWORD as TOKEN_KEYWORD
from apps.apitokens.authentication import ApiTokenAuthentication
from apps.apitokens.permissions import TokenScope, token_may_write
from apps.cases.selectors import case_list_for_user
from apps.evidence.models import EvidenceItem
from apps.intake.api import UploadFieldsSerializer
from apps.intake.forms import DESCRIPTIVE_FIELDS
from apps.intake.models import TusUpload
from apps.intake.permissions import can_upload_evidence
from apps.intake.quarantine import new_quarantine_name, quarantine_path, quarantine_root
from apps.intake.services import (
    HASH_CHUNK,
    ClientHashMismatchError,
    ReceivedFile,
    evidence_receive,
    normalise_client_sha256,
)

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
# The checksum extension guards each PATCH body against corruption on the way,
# not against an adversary: MD5 and SHA-1 are offered because clients use them.
CHECKSUM_ALGORITHMS = ("sha1", "md5", "sha256")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
READ_CHUNK = 1024 * 1024
QUARANTINE_PREFIX = "tus"
EVIDENCE_ITEM_HEADER = "Custos-Evidence-Item"
_DIGITS = re.compile(r"[0-9]{1,20}")


# --- Errors: each carries the HTTP status the protocol prescribes ----------------------


class TusError(Exception):
    status = 400
    reason = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TusBadRequestError(TusError):
    pass


class TusForbiddenError(TusError):
    status, reason = 403, "Forbidden"


class TusNotFoundError(TusError):
    status, reason = 404, "Not Found"


class TusConflictError(TusError):
    status, reason = 409, "Conflict"


class TusGoneError(TusError):
    status, reason = 410, "Gone"


class TusTooLargeError(TusError):
    status, reason = 413, "Request Entity Too Large"


class TusLockedError(TusError):
    status, reason = 423, "Locked"


class TusChecksumMismatchError(TusError):
    status, reason = 460, "Checksum Mismatch"


# --- Metadata ----------------------------------------------------------------------------


def tus_metadata_parse(header: str) -> dict[str, str]:
    """Upload-Metadata → {key: base64 value exactly as sent}. Refuses (TusBadRequestError) a malformed header."""
    metadata: dict[str, str] = {}
    if not header.strip():
        return metadata
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        key, value = parts[0], parts[1] if len(parts) > 1 else ""
        if len(parts) > 2 or not key or not key.isascii() or not key.isprintable():
            raise TusBadRequestError(
                _("Upload-Metadata is malformed: expect 'key base64value' pairs, comma-separated.")
            )
        if key in metadata:
            raise TusBadRequestError(_("Upload-Metadata repeats the key %(key)s.") % {"key": key})
        try:
            _b64decode(value)
        except (binascii.Error, ValueError) as error:
            raise TusBadRequestError(
                _("Upload-Metadata: the value of %(key)s is not base64.") % {"key": key}
            ) from error
        metadata[key] = value
    return metadata


def _b64decode(value: str) -> bytes:
    # Some clients drop the padding; the value is otherwise strict standard base64.
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def tus_metadata_text(metadata: dict[str, str], *keys: str) -> str:
    """The first of the keys present, decoded as UTF-8; bytes that are not UTF-8 survive as surrogate escapes."""
    for key in keys:
        if key in metadata:
            return _b64decode(metadata[key]).decode("utf-8", "surrogateescape")
    return ""


def tus_metadata_header(metadata: dict[str, str]) -> str:
    return ",".join(f"{key} {value}" if value else key for key, value in metadata.items())


def tus_descriptive_fields(metadata: dict[str, str]) -> dict[str, Any]:
    """The item's descriptive fields given as metadata (caption, credit_line, ...), validated as the API does."""
    given = {key: tus_metadata_text(metadata, key) for key in DESCRIPTIVE_FIELDS if key in metadata}
    serializer = UploadFieldsSerializer(data=given)
    if not serializer.is_valid():
        problems = "; ".join(
            f"{field}: {' '.join(str(message) for message in messages)}"
            for field, messages in serializer.errors.items()
        )
        raise TusBadRequestError(_("Upload-Metadata has invalid values: %(problems)s") % {"problems": problems})
    return {key: value for key, value in serializer.validated_data.items() if key in DESCRIPTIVE_FIELDS}


FILENAME_KEYS = ("filename", "name")  # tus-js-client's examples say filename; Uppy sends name
CONTENT_TYPE_KEYS = ("filetype", "type")


def tus_metadata_validate(metadata: dict[str, str]) -> None:
    """Refuse (TusBadRequestError), before any byte is sent, metadata the receipt could not store.

    The keys Custos reads must be UTF-8 text (the item keeps the name as
    UTF-8 bytes, and database text cannot hold other bytes); other keys
    (Uppy's relativePath, ...) are kept as sent whatever they hold.
    """
    for key in (*FILENAME_KEYS, *CONTENT_TYPE_KEYS, "sha256", *DESCRIPTIVE_FIELDS):
        if key in metadata:
            try:
                text = _b64decode(metadata[key]).decode("utf-8")
            except UnicodeDecodeError as error:
                raise TusBadRequestError(
                    _("Upload-Metadata: the value of %(key)s is not UTF-8 text.") % {"key": key}
                ) from error
            if "\x00" in text and key not in FILENAME_KEYS:  # only the filename is kept as bytes
                raise TusBadRequestError(_("Upload-Metadata: the value of %(key)s contains NUL.") % {"key": key})
    tus_descriptive_fields(metadata)
    try:
        normalise_client_sha256(tus_metadata_text(metadata, "sha256"))
    except ValueError as error:
        raise TusBadRequestError(str(error)) from error


# --- Services -------------------------------------------------------------------------------


def _expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(hours=settings.INTAKE_TUS_EXPIRY_HOURS)


def tus_upload_create(*, case: Case, uploaded_by: User, length: int, metadata: dict[str, str]) -> TusUpload:
    """Start a resumable upload: validate what was declared, then make an empty quarantine file and the row.

    The caller has checked that the user may upload to the case. Refuses
    (TusError) a length over INTAKE_MAX_UPLOAD_BYTES and invalid metadata
    before anything is written. Side effects: an empty file with a random
    name in quarantine, a TusUpload row. A zero-length upload is complete
    at once (see tus_upload_complete).
    """
    if length > settings.INTAKE_MAX_UPLOAD_BYTES:
        raise TusTooLargeError(
            _("The upload is larger than the server accepts (at most %(max)d bytes); nothing was stored.")
            % {"max": settings.INTAKE_MAX_UPLOAD_BYTES}
        )
    tus_metadata_validate(metadata)
    quarantine_name = new_quarantine_name(QUARANTINE_PREFIX)
    path = quarantine_path(quarantine_name)
    # O_EXCL: a quarantine file is created once, never opened over another.
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640))
    try:
        upload = TusUpload.objects.create(
            case=case,
            uploaded_by=uploaded_by,
            length=length,
            offset=0,
            metadata=metadata,
            quarantine_name=quarantine_name,
            expires_at=_expiry(),
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if length == 0:
        tus_upload_complete(upload=upload)
        upload.refresh_from_db()
    return upload


@contextmanager
def _writing(upload: TusUpload) -> Iterator[int]:
    """The upload's quarantine file, open for appending, under an exclusive lock (423 if someone holds it).

    The row is re-read under the lock: what the previous holder recorded.
    """
    try:
        descriptor = os.open(quarantine_path(upload.quarantine_name), os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError as error:
        raise TusGoneError(_("The bytes of this upload are gone; start the upload again.")) from error
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise TusLockedError(
                _("Another request is writing to this upload right now; try again shortly.")
            ) from error
        try:
            upload.refresh_from_db()
        except TusUpload.DoesNotExist as error:  # terminated or expired while this request waited
            raise TusNotFoundError(_("No such upload.")) from error
        yield descriptor
    finally:
        os.close(descriptor)  # closing releases the lock


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


@dataclass(frozen=True)
class AppendResult:
    upload: TusUpload
    received: int
    body_complete: bool


def tus_upload_append(
    *,
    upload: TusUpload,
    offset: int,
    content_length: int,
    read: Callable[[int], bytes],
    checksum: tuple[str, bytes] | None = None,
) -> AppendResult:
    """Append one PATCH body at ``offset``, streamed in 1 MiB reads; complete the upload on its last byte.

    Refuses with 409 when ``offset`` is not the recorded offset, 413 when the
    body would pass the declared length, 423 while another request writes,
    460 (bytes discarded) when ``checksum`` (algorithm, digest) differs. When
    the body ends early (the connection broke), the bytes that arrived are
    fsynced and recorded, so the client resumes from there; with a checksum
    they cannot be verified and are discarded instead. Side effects: bytes
    appended to the quarantine file, the offset and expiry updated; on the
    last byte, tus_upload_complete's. ClientHashMismatchError propagates
    (upload and bytes already deleted).
    """
    _check_offset(upload, offset, content_length)
    if upload.item_id is not None:
        return AppendResult(upload=upload, received=0, body_complete=True)
    with _writing(upload) as descriptor:
        _check_offset(upload, offset, content_length)
        if upload.item_id is None and upload.offset < upload.length:
            received, body_complete = _append_locked(
                upload, descriptor, content_length=content_length, read=read, checksum=checksum
            )
        else:
            received, body_complete = 0, True
        if upload.offset == upload.length and upload.item_id is None:
            # Also reached when an earlier completion failed half-way: the client retries an empty PATCH.
            tus_upload_complete(upload=upload)
            upload.refresh_from_db()
    return AppendResult(upload=upload, received=received, body_complete=body_complete)


def _check_offset(upload: TusUpload, offset: int, content_length: int) -> None:
    if offset != upload.offset:
        raise TusConflictError(
            _("Upload-Offset is %(given)d but the server has %(stored)d bytes; ask with HEAD and resume from there.")
            % {"given": offset, "stored": upload.offset}
        )
    if content_length > upload.length - upload.offset:
        raise TusTooLargeError(
            _("The body would pass the declared Upload-Length of %(length)d bytes; nothing was written.")
            % {"length": upload.length}
        )


def _append_locked(
    upload: TusUpload,
    descriptor: int,
    *,
    content_length: int,
    read: Callable[[int], bytes],
    checksum: tuple[str, bytes] | None,
) -> tuple[int, bool]:
    start = upload.offset
    size = os.fstat(descriptor).st_size
    if size < start:
        logger.error("tus upload %s: %d bytes recorded but only %d on disk", upload.pk, start, size)
        raise TusGoneError(_("Bytes this upload had received are missing; start the upload again."))
    # Bytes past the recorded offset were never acknowledged (a request died before recording them).
    os.ftruncate(descriptor, start)
    digest = hashlib.new(checksum[0], usedforsecurity=False) if checksum else None
    received = 0
    try:
        while received < content_length:
            try:
                chunk = read(min(READ_CHUNK, content_length - received))
            except Exception:  # each server raises its own error when the client goes away
                logger.info("tus upload %s: the connection broke after %d bytes", upload.pk, received, exc_info=True)
                break
            if not chunk:
                break
            _write_all(descriptor, chunk)
            if digest is not None:
                digest.update(chunk)
            received += len(chunk)
        os.fsync(descriptor)
    except BaseException:
        os.ftruncate(descriptor, start)  # a failed write (disk full) leaves nothing half-recorded
        raise
    body_complete = received == content_length
    if checksum is not None and digest is not None and (not body_complete or digest.digest() != checksum[1]):
        os.ftruncate(descriptor, start)
        os.fsync(descriptor)
        if body_complete:
            raise TusChecksumMismatchError(
                _("The body's %(algorithm)s checksum differs from Upload-Checksum; its bytes were discarded.")
                % {"algorithm": checksum[0]}
            )
        return 0, False
    if received:
        with transaction.atomic():
            locked = TusUpload.objects.select_for_update().get(pk=upload.pk)
            locked.offset = start + received
            locked.expires_at = _expiry()
            locked.save(update_fields=["offset", "expires_at", "updated_at"])
        upload.offset, upload.expires_at = locked.offset, locked.expires_at
    return received, body_complete


def _sha256_of(path: Path) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            sha256.update(chunk)
            size += len(chunk)
    return "sha256:" + sha256.hexdigest(), size


def tus_upload_complete(*, upload: TusUpload) -> EvidenceItem:
    """The last byte arrived: hash the whole file once and receive it as evidence (via "tus").

    Idempotent: an upload already linked to its item returns that item.
    Side effects: evidence_receive's (an EvidenceItem, its "received"
    custody event, the pipeline after commit) and TusUpload.item set, in one
    transaction. On ClientHashMismatchError the quarantine file and the
    TusUpload row are deleted (nothing is kept) and the error propagates.
    """
    path = quarantine_path(upload.quarantine_name)
    sha256, size = _sha256_of(path)
    if size != upload.length:
        logger.error("tus upload %s: %d bytes on disk, %d declared", upload.pk, size, upload.length)
        raise TusGoneError(_("The bytes of this upload do not add up to its length; start the upload again."))
    metadata = upload.metadata
    received = ReceivedFile(
        quarantine_name=upload.quarantine_name,
        sha256=sha256,
        size_bytes=size,
        original_filename=tus_metadata_text(metadata, *FILENAME_KEYS),
        declared_content_type=tus_metadata_text(metadata, *CONTENT_TYPE_KEYS),
    )
    try:
        with transaction.atomic():
            locked = (
                TusUpload.objects.select_for_update(of=("self",))
                .select_related("case", "uploaded_by")
                .get(pk=upload.pk)
            )
            if locked.item is not None:
                return locked.item
            item = evidence_receive(
                case=locked.case,
                uploaded_by=locked.uploaded_by,
                received=received,
                client_sha256=tus_metadata_text(metadata, "sha256"),
                via="tus",
                **tus_descriptive_fields(metadata),
            )
            locked.item = item
            locked.save(update_fields=["item", "updated_at"])
    except ClientHashMismatchError:
        TusUpload.objects.filter(pk=upload.pk).delete()
        path.unlink(missing_ok=True)
        raise
    return item


def tus_upload_terminate(*, upload: TusUpload) -> None:
    """Abandon an unfinished upload: its row and its quarantine file go (termination extension).

    Refuses (TusForbiddenError) once the upload is evidence, and (423) while
    a PATCH is writing it. Side effects: the TusUpload row deleted, then its
    quarantine file.
    """
    if upload.item_id is not None:
        raise TusForbiddenError(_("This upload is already evidence; it can no longer be terminated."))
    path = quarantine_path(upload.quarantine_name)
    try:
        with _writing(upload):
            _delete_unfinished(upload.pk)
    except TusGoneError:
        _delete_unfinished(upload.pk)  # the file was already gone: the row goes too
    path.unlink(missing_ok=True)


def _delete_unfinished(pk: UUID, *, expired_before: datetime | None = None) -> bool:
    with transaction.atomic():
        rows = TusUpload.objects.select_for_update().filter(pk=pk)
        locked = rows.first()
        if locked is None:
            return False
        if locked.item_id is not None:
            raise TusForbiddenError(_("This upload is already evidence; it can no longer be terminated."))
        if expired_before is not None and locked.expires_at >= expired_before:
            return False  # written to since it was selected: still alive
        locked.delete()
        return True


def tus_expire_unfinished(*, now: datetime | None = None) -> int:
    """Remove unfinished uploads whose expiry (INTAKE_TUS_EXPIRY_HOURS after the last PATCH) has passed.

    Returns how many unfinished uploads were removed. An upload a PATCH is
    writing at this moment is skipped. Side effects: for each, the TusUpload
    row and its quarantine file; rows of finished uploads past their expiry
    (their file belongs to the evidence item and is left alone); "tus-"
    quarantine files older than the expiry that no upload or item refers to
    (left by a crash between writing the file and the row).
    """
    now = now or timezone.now()
    removed = 0
    expired = TusUpload.objects.filter(item__isnull=True, expires_at__lt=now)
    for upload in list(expired.order_by("expires_at")):
        try:
            removed += _expire_one(upload, now=now)
        except (TusLockedError, TusForbiddenError):
            continue  # a PATCH is writing it right now, or it was completed since it was selected
    TusUpload.objects.filter(item__isnull=False, expires_at__lt=now).delete()
    _remove_orphans(older_than=now - timedelta(hours=settings.INTAKE_TUS_EXPIRY_HOURS))
    return removed


def _expire_one(upload: TusUpload, *, now: datetime) -> bool:
    try:
        with _writing(upload):
            deleted = _delete_unfinished(upload.pk, expired_before=now)
    except TusGoneError:
        deleted = _delete_unfinished(upload.pk, expired_before=now)
    if deleted:
        quarantine_path(upload.quarantine_name).unlink(missing_ok=True)
    return deleted


def _remove_orphans(*, older_than: datetime) -> None:
    for path in quarantine_root().glob(f"{QUARANTINE_PREFIX}-*"):
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=older_than.tzinfo)
        except FileNotFoundError:
            continue
        if modified >= older_than:
            continue
        name = path.name
        if TusUpload.objects.filter(quarantine_name=name).exists():
            continue
        if EvidenceItem.objects.filter(quarantine_name=name).exists():
            continue
        logger.warning("removing orphaned tus quarantine file %s", name)
        path.unlink(missing_ok=True)


# --- HTTP: the protocol -------------------------------------------------------------------


class _RefusedError(TusError):
    """A refusal by the protocol layer, with the headers the status calls for."""

    def __init__(self, status: int, reason: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.reason, self.headers = status, reason, headers or {}


def _response(
    status: int = 204, message: str = "", *, reason: str | None = None, headers: dict[str, str] | None = None
) -> HttpResponse:
    """Every answer carries Tus-Resumable; bodies are plain text a person can read."""
    response = HttpResponse(message, status=status, reason=reason, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(error: TusError, *, method: str | None) -> HttpResponse:
    headers = error.headers if isinstance(error, _RefusedError) else {}
    return _response(error.status, "" if method == "HEAD" else error.message, reason=error.reason, headers=headers)


def _options() -> HttpResponse:
    return _response(
        204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.INTAKE_MAX_UPLOAD_BYTES),
            "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
        },
    )


def _no_view(request: HttpRequest) -> HttpResponse:  # never called: CsrfViewMiddleware only looks at it
    return HttpResponse(status=204)


def _token_user(request: HttpRequest) -> User | None:
    """The owner of the request's personal API token (narrowed to its cases), or None without a Bearer header.

    The same authentication as the REST API (apps.apitokens): a wrong,
    expired or revoked token answers 401; a read-only token may only HEAD.
    """
    try:
        authenticated = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
    except AuthenticationFailed as error:
        raise _RefusedError(401, "Unauthorized", str(error.detail), {"WWW-Authenticate": TOKEN_KEYWORD}) from error
    if authenticated is None:
        return None
    user, token = authenticated
    if request.method not in SAFE_METHODS and not token_may_write(token):
        raise _RefusedError(403, "Forbidden", str(TokenScope.message))
    return user


def _signed_in_user(request: HttpRequest, *, methods: tuple[str, ...]) -> User:
    """Protocol version, method, credentials, then (for session writes) the CSRF token; refusals raise _RefusedError.

    Two kinds of credentials: ``Authorization: Bearer <token>`` (scripts), or
    the browser's session. A token request needs no CSRF token: its
    credential is a header that another site's page cannot make a browser
    send, and its session cookie, if any, is not looked at.
    """
    if request.headers.get("Tus-Resumable") != TUS_VERSION:
        raise _RefusedError(
            412,
            "Precondition Failed",
            _("This server speaks tus %(version)s: send the header Tus-Resumable: %(version)s.")
            % {"version": TUS_VERSION},
            {"Tus-Version": TUS_VERSION},
        )
    if request.method not in methods:
        raise _RefusedError(
            405, "Method Not Allowed", _("Method not allowed."), {"Allow": ", ".join((*methods, "OPTIONS"))}
        )
    token_user = _token_user(request)
    if token_user is not None:
        return token_user
    if not request.user.is_authenticated:
        raise _RefusedError(
            401,
            "Unauthorized",
            _("Sign in first, or send a personal API token: Authorization: Bearer <token>."),
            {"WWW-Authenticate": TOKEN_KEYWORD},
        )
    # The views are csrf_exempt only so that this check comes after the ones above and answers in the
    # protocol's terms; session-authenticated writes still need the CSRF token (X-CSRFToken header).
    if CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {}) is not None:
        raise _RefusedError(
            403,
            "Forbidden",
            _("The CSRF check failed: send the value of the csrftoken cookie in the X-CSRFToken header."),
        )
    return request.user


def _header_int(request: HttpRequest, name: str) -> int:
    value = request.headers.get(name, "")
    if not _DIGITS.fullmatch(value):
        raise TusBadRequestError(_("The header %(name)s must be a non-negative integer.") % {"name": name})
    return int(value)


def _upload_headers(upload: TusUpload) -> dict[str, str]:
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Cache-Control": "no-store",
    }
    if upload.item_id is not None:
        headers[EVIDENCE_ITEM_HEADER] = str(upload.item_id)
    else:
        headers["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return headers


@csrf_exempt  # CSRF is checked in _signed_in_user (for sessions), after the protocol version and sign-in
def tus_create(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """OPTIONS: what the server supports. POST (creation): a new upload for the case; 201 with its Location."""
    if request.method == "OPTIONS":
        return _options()
    try:
        user = _signed_in_user(request, methods=("POST",))
        case = case_list_for_user(user=user).filter(pk=case_id).first()
        if case is None or not can_upload_evidence(user, case):
            raise TusNotFoundError(_("No such case, or you may not add evidence to it."))
        if "Upload-Length" not in request.headers:
            raise TusBadRequestError(_("Upload-Length is required (a deferred length is not supported)."))
        upload = tus_upload_create(
            case=case,
            uploaded_by=user,
            length=_header_int(request, "Upload-Length"),
            metadata=tus_metadata_parse(request.headers.get("Upload-Metadata", "")),
        )
    except TusError as error:
        return _error(error, method=request.method)
    except ClientHashMismatchError as error:  # a zero-length upload declared with the hash of other bytes
        return _response(400, str(error))
    location = request.build_absolute_uri(reverse("api:tus-upload", args=[upload.pk]))
    return _response(201, headers={"Location": location, **_upload_headers(upload)})


@csrf_exempt  # CSRF is checked in _signed_in_user (for sessions), after the protocol version and sign-in
def tus_upload(request: HttpRequest, upload_id: UUID) -> HttpResponse:
    """HEAD: the offset to resume from. PATCH: append bytes. DELETE (termination): abandon the upload.

    Only the user who created an upload, while still allowed to add evidence
    to its case, may touch it; to anyone else it does not exist (404).
    """
    if request.method == "OPTIONS":
        return _options()
    try:
        user = _signed_in_user(request, methods=("HEAD", "PATCH", "DELETE"))
        upload = TusUpload.objects.filter(pk=upload_id, uploaded_by=user).select_related("case").first()
        if upload is None or not can_upload_evidence(user, upload.case):
            raise TusNotFoundError(_("No such upload."))
        if request.method == "HEAD":
            return _response(
                200, headers={"Upload-Metadata": tus_metadata_header(upload.metadata), **_upload_headers(upload)}
            )
        if request.method == "DELETE":
            tus_upload_terminate(upload=upload)
            return _response(204)
        return _patch(request, upload)
    except TusError as error:
        return _error(error, method=request.method)
    except ClientHashMismatchError as error:
        return _response(400, str(error))


def _patch(request: HttpRequest, upload: TusUpload) -> HttpResponse:
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise _RefusedError(
            415,
            "Unsupported Media Type",
            _("A PATCH body must be sent as %(type)s.") % {"type": OFFSET_CONTENT_TYPE},
        )
    content_length = request.META.get("CONTENT_LENGTH") or ""
    if not _DIGITS.fullmatch(content_length):
        raise _RefusedError(411, "Length Required", _("A PATCH needs a Content-Length."))
    result = tus_upload_append(
        upload=upload,
        offset=_header_int(request, "Upload-Offset"),
        content_length=int(content_length),
        read=request.read,
        checksum=_checksum(request.headers.get("Upload-Checksum")),
    )
    if not result.body_complete:
        # Usually nobody hears this answer (the client is gone); what arrived is kept and recorded.
        logger.info("tus upload %s: the body ended early; offset now %d", upload.pk, result.upload.offset)
    headers = _upload_headers(result.upload)
    del headers["Upload-Length"]
    return _response(204, headers=headers)


def _checksum(header: str | None) -> tuple[str, bytes] | None:
    if header is None:
        return None
    algorithm, _space, encoded = header.strip().partition(" ")
    if algorithm.lower() not in CHECKSUM_ALGORITHMS:
        raise TusBadRequestError(
            _("Upload-Checksum: the algorithm must be one of %(algorithms)s.")
            % {"algorithms": ", ".join(CHECKSUM_ALGORITHMS)}
        )
    try:
        return algorithm.lower(), _b64decode(encoded.strip())
    except (binascii.Error, ValueError) as error:
        raise TusBadRequestError(_("Upload-Checksum: the digest must be base64.")) from error
