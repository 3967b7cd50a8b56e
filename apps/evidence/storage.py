"""Content-addressed, write-once storage of originals.

An original's storage name is derived from its SHA-256 alone, so identical
bytes are stored once however many times they are uploaded (every upload
still gets its own EvidenceItem and custody chain), and no user-supplied
filename ever becomes part of a path.

Everything goes through Django's storage API (exists, save, open, delete),
never a local path, so the same code runs on the local file system (files
read-only) and on S3-compatible object storage (S3Storage with
file_overwrite=False); settings choose which.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from apps.evidence.models import SHA256_PREFIX, SHA512_PREFIX

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Digests:
    sha256: str  # "sha256:<hex>"
    sha512: str  # "sha512:<hex>"
    size_bytes: int


def evidence_storage() -> Storage:
    return storages["evidence"]


def original_storage_name(*, sha256: str) -> str:
    hexdigest = sha256.removeprefix(SHA256_PREFIX)
    if len(hexdigest) != 64:
        raise ValueError("expected a SHA-256 digest")
    return f"originals/sha256/{hexdigest[:2]}/{hexdigest[2:4]}/{hexdigest}"


def digest_stream(stream: IO[bytes]) -> Digests:
    """SHA-256, SHA-512 and size of a stream, read in chunks (never whole into memory)."""
    sha256 = hashlib.sha256()
    sha512 = hashlib.sha512()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        sha256.update(chunk)
        sha512.update(chunk)
        size += len(chunk)
    return Digests(SHA256_PREFIX + sha256.hexdigest(), SHA512_PREFIX + sha512.hexdigest(), size)


def store_original(*, stream: IO[bytes], digests: Digests) -> str:
    """Write an original under its content address unless those bytes are already stored.

    Returns the storage name. The caller has hashed the stream; after
    writing, the stored copy is read back and hashed again, so that a
    storage fault cannot go unnoticed at the moment of archiving.
    """
    return store_content_addressed(stream=stream, digests=digests, prefix="originals")


def store_content_addressed(*, stream: IO[bytes], digests: Digests, prefix: str) -> str:
    """Write bytes under ``<prefix>/sha256/ab/cd/<hex>`` once, then read them back to verify."""
    storage = evidence_storage()
    name = original_storage_name(sha256=digests.sha256).replace("originals/", f"{prefix}/", 1)
    if isinstance(storage, FileSystemStorage):
        _save_local_atomically(storage, name, stream)
    elif not storage.exists(name):
        # Object stores publish an object only once it is complete, so a crash
        # mid-upload leaves nothing under the name.
        stream.seek(0)
        saved_name = storage.save(name, File(stream))
        if saved_name != name:
            # Another process stored the same bytes between exists() and
            # save(), and the storage chose a free name instead of
            # overwriting; the content is identical, so keep theirs. On S3
            # two writers can also both find the name free and both write
            # it: the last write wins, with the same bytes.
            storage.delete(saved_name)
    with storage.open(name, "rb") as stored:
        if digest_stream(stored) != digests:
            raise StoredCopyMismatchError(name)
    return name


def _save_local_atomically(storage: FileSystemStorage, name: str, stream: IO[bytes]) -> None:
    """Make the file appear under its final name complete or not at all.

    Django's FileSystemStorage writes straight into the final name, so a
    worker killed mid-write would leave a truncated file there, and every
    retry would find the name taken and the copy wrong. Here the bytes go to
    a temporary file beside it, are flushed to disk, and are then hard-linked
    to the final name, which fails if another process got there first (with
    the same bytes, since the name is their hash). A crash leaves at most a
    ``.partial-*`` file, which nothing ever reads.
    """
    path = Path(storage.path(name))
    if path.exists():
        return
    directory_mode = storage.directory_permissions_mode or 0o750
    old_umask = os.umask(0)
    try:
        path.parent.mkdir(mode=directory_mode, parents=True, exist_ok=True)
    finally:
        os.umask(old_umask)
    descriptor, temporary_name = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            stream.seek(0)
            while chunk := stream.read(CHUNK_SIZE):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        temporary.chmod(storage.file_permissions_mode or 0o440)
        with contextlib.suppress(FileExistsError):
            path.hardlink_to(temporary)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name itself survives a power cut
        finally:
            os.close(directory)
    finally:
        temporary.unlink()


class StoredCopyMismatchError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"the stored copy {name} does not match the hashes of the bytes received")
