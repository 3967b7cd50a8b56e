"""A Django upload handler that streams each file to quarantine, hashing as the bytes arrive.

Django's default handlers keep small files in memory and large ones in a
temporary file, and nobody hashes them; for evidence the hash must be taken
at receipt (Berkeley Protocol: hash at collection), and a 20 GiB video must
never sit in memory. This handler writes every chunk straight to a new file
in the quarantine and feeds the same chunk to SHA-256, so receiving a file
reads its bytes exactly once.
"""

from __future__ import annotations

import hashlib
import os
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from apps.intake.quarantine import new_quarantine_name, quarantine_path


class UploadTooLargeError(Exception):
    """An upload exceeded INTAKE_MAX_UPLOAD_BYTES; the view answers 413."""


class QuarantinedUpload(UploadedFile):
    """An uploaded file that already lies in the quarantine, with its SHA-256 taken on the way in."""

    def __init__(
        self,
        *,
        file: IO[bytes],
        name: str,
        content_type: str,
        size: int,
        charset: str | None,
        quarantine_name: str,
        sha256: str,
        content_type_extra: dict[str, Any] | None,
    ) -> None:
        super().__init__(file, name, content_type, size, charset, content_type_extra)
        # UploadedFile.name keeps only a truncated basename; the declared name is evidence, kept whole.
        self.original_name = name
        self.quarantine_name = quarantine_name
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return str(quarantine_path(self.quarantine_name))


class QuarantineUploadHandler(FileUploadHandler):
    """Streams file fields to quarantine with SHA-256; refuses uploads over the size limit."""

    chunk_size = 1024 * 1024

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self._file: IO[bytes] | None = None
        self._sha256 = hashlib.sha256()
        self._size = 0
        self._quarantine_name = ""
        self._written: list[str] = []

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],  # noqa: N803 (Django's signature)
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > settings.INTAKE_MAX_UPLOAD_BYTES + 1024 * 1024:
            raise UploadTooLargeError

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._quarantine_name = new_quarantine_name()
        path = quarantine_path(self._quarantine_name)
        # O_EXCL: a quarantine file is created once, never opened over another.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        self._file = os.fdopen(descriptor, "wb")
        self._written.append(self._quarantine_name)
        self._sha256 = hashlib.sha256()
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self._file is not None  # noqa: S101 (Django calls new_file first)
        self._size += len(raw_data)
        if self._size > settings.INTAKE_MAX_UPLOAD_BYTES:
            self.discard()
            raise UploadTooLargeError
        self._file.write(raw_data)
        self._sha256.update(raw_data)

    def file_complete(self, file_size: int) -> QuarantinedUpload:
        assert self._file is not None  # noqa: S101
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        stored = quarantine_path(self._quarantine_name).open("rb")
        return QuarantinedUpload(
            file=stored,
            name=self.file_name or "",
            content_type=self.content_type or "",
            size=self._size,
            charset=self.charset,
            quarantine_name=self._quarantine_name,
            sha256="sha256:" + self._sha256.hexdigest(),
            content_type_extra=self.content_type_extra,
        )

    def upload_interrupted(self) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove what this request wrote: an incomplete or refused upload never becomes evidence."""
        if self._file is not None and not self._file.closed:
            self._file.close()
        for name in self._written:
            quarantine_path(name).unlink(missing_ok=True)
        self._written.clear()


__all__ = ["QuarantineUploadHandler", "QuarantinedUpload", "StopUpload", "UploadTooLargeError"]
