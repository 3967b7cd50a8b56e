"""A deterministic, streaming ZIP writer for BagIt bags (STORED entries, ZIP64 allowed).

Every entry gets the same date (the bagging date, UTC), the same attributes
(a regular file, mode 0644, made on Unix) and no extra field that varies, and
entries are written in the order given, so the same content and date give
byte-identical archives. Entries stream through zipfile's writer: nothing is
held in memory beyond one chunk, and each chunk is hashed (SHA-256 and
SHA-512) as it is written, the SHA-512 in a second thread (hashlib releases
the GIL on large buffers), so the file is read exactly once.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

CHUNK_SIZE = 4 * 1024 * 1024
REGULAR_FILE_0644 = (0o100644 << 16) & 0xFFFF0000
UNIX = 3


@dataclass(frozen=True)
class WrittenEntry:
    path: str  # inside the bag, e.g. "data/evidence/…"
    size_bytes: int
    sha256: str  # hex
    sha512: str  # hex


class BagZipWriter:
    """Writes the entries of one bag, under ``top/``, into a ZIP on ``out`` (a seekable binary file)."""

    def __init__(self, out: IO[bytes], *, top: str, date: datetime, progress: Callable[[int], None] | None = None):
        moment = date.astimezone(UTC)
        self._date_time = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)
        self._top = top.rstrip("/")
        self._zip = zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self._progress = progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bag-sha512")

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self._top}/{path}", date_time=self._date_time)
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = UNIX
        info.external_attr = REGULAR_FILE_0644
        return info

    def write_bytes(self, path: str, data: bytes) -> WrittenEntry:
        with self._zip.open(self._info(path), "w", force_zip64=True) as entry:
            entry.write(data)
        if self._progress is not None:
            self._progress(len(data))
        return WrittenEntry(path, len(data), hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest())

    def write_stream(self, path: str, stream: IO[bytes]) -> WrittenEntry:
        """Copy a stream into the entry, hashing it on the way (the caller compares the hashes)."""
        sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
        with self._zip.open(self._info(path), "w", force_zip64=True) as entry:
            while chunk := stream.read(CHUNK_SIZE):
                pending = self._pool.submit(sha512.update, chunk)
                sha256.update(chunk)
                entry.write(chunk)
                pending.result()
                size += len(chunk)
                if self._progress is not None:
                    self._progress(len(chunk))
        return WrittenEntry(path, size, sha256.hexdigest(), sha512.hexdigest())

    def close(self) -> None:
        self._pool.shutdown()
        self._zip.close()
