"""Responses that hand an evidence file to the client, after the view has authorised the request.

Evidence files have no public URL. Every byte leaves through an authorising
view (need-to-know, custody event), and then one of three ways, chosen by
``EVIDENCE_SENDFILE`` (docs/deployment.md):

- ``""`` (default): Django streams the file from the storage itself, in
  chunks. Works everywhere, including S3-compatible storage.
- ``"x-accel-redirect"``: nginx serves the file. The response only names it
  under ``EVIDENCE_SENDFILE_PREFIX``, a location nginx marks ``internal`` and
  maps to the evidence root, so the web worker is free at once.
- ``"x-sendfile"``: Apache's mod_xsendfile (and lighttpd) serve the absolute path.

The sendfile modes need the local file-system storage; with S3 they fall back
to streaming.

A view that offers byte ranges (the original's player, downloads) reads the request's Range header with
``requested_byte_range`` before it records custody, and passes the range on: the streamed answer is then
206 Partial Content with those bytes. In the sendfile modes the front server applies the Range header itself.
A media player needs ranges to seek in a long video, and a browser to resume an interrupted download.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from werkzeug.http import parse_range_header

from apps.evidence.storage import evidence_storage

SENDFILE_NGINX = "x-accel-redirect"
SENDFILE_APACHE = "x-sendfile"
_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``stop - 1`` of a file of ``size`` bytes."""

    start: int
    stop: int
    size: int

    @property
    def span(self) -> str:
        """``first-last/size``, as a Content-Range header and a custody event write it."""
        return f"{self.start}-{self.stop - 1}/{self.size}"

    @property
    def content_range(self) -> str:
        return f"bytes {self.span}"


class RangeNotSatisfiableError(Exception):
    """The request asks for bytes beyond the end of the file (answered 416, nothing sent and nothing recorded)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"bytes */{size}")
        self.size = size

    @property
    def content_range(self) -> str:
        """The 416 answer's Content-Range header."""
        return f"bytes */{self.size}"


def requested_byte_range(request: HttpRequest, size: int) -> ByteRange | None:
    """The one byte range the request asks for, or None to send the whole file (RFC 9110, section 14).

    None as well for a malformed header, another unit, several ranges (a server may send the whole file instead)
    and a conditional If-Range (these responses carry no validator it could match). The header is parsed by
    Werkzeug's parse_range_header. Raises RangeNotSatisfiableError for a range starting past the end.
    """
    header = request.headers.get("Range")
    if not header or "If-Range" in request.headers:
        return None
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    start, stop = parsed.ranges[0]
    if stop is None:
        stop = size
        if start < 0:  # the last -start bytes; a suffix longer than the file is the whole file
            start = max(size + start, 0)
    stop = min(stop, size)
    if start >= stop:
        raise RangeNotSatisfiableError(size)
    return ByteRange(start=start, stop=stop, size=size)


def range_not_satisfiable_response(error: RangeNotSatisfiableError) -> HttpResponse:
    response = HttpResponse(status=416, content_type="text/plain")
    response["Content-Range"] = error.content_range
    return response


class _RangeReader:
    """The range's bytes in chunks. The response closes it (and so the file) when it is done, even if it was
    never read (a client gone before the first byte): a plain generator would keep the file open until then."""

    def __init__(self, handle: IO[bytes], byte_range: ByteRange) -> None:
        self._handle = handle
        self._range = byte_range

    def __iter__(self) -> Iterator[bytes]:
        self._handle.seek(self._range.start)
        remaining = self._range.stop - self._range.start
        while remaining > 0:
            block = self._handle.read(min(_CHUNK_BYTES, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block

    def close(self) -> None:
        self._handle.close()


def _content_disposition(filename: str, *, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    # RFC 6266 / RFC 5987: an ASCII fallback and the exact name in UTF-8.
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\' else "_" for char in filename) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def evidence_file_response(
    *,
    storage_name: str,
    content_type: str,
    filename: str,
    attachment: bool,
    size: int | None = None,
    byte_range: ByteRange | None = None,
    accept_ranges: bool = False,
) -> HttpResponseBase:
    """A response carrying one stored evidence file (or ``byte_range`` of it), never cached by shared caches.

    ``accept_ranges``: the view honours Range headers (requested_byte_range), and says so.
    """
    storage = evidence_storage()
    mode = settings.EVIDENCE_SENDFILE
    response: HttpResponseBase
    if mode and isinstance(storage, FileSystemStorage):
        response = HttpResponse(content_type=content_type)
        if mode == SENDFILE_NGINX:
            response["X-Accel-Redirect"] = settings.EVIDENCE_SENDFILE_PREFIX.rstrip("/") + "/" + storage_name
        else:
            response["X-Sendfile"] = storage.path(storage_name)
    elif byte_range is not None:
        response = StreamingHttpResponse(
            _RangeReader(storage.open(storage_name, "rb"), byte_range), status=206, content_type=content_type
        )
        response["Content-Range"] = byte_range.content_range
        response["Content-Length"] = str(byte_range.stop - byte_range.start)
    else:
        response = FileResponse(storage.open(storage_name, "rb"), content_type=content_type)
        if size is not None:
            response["Content-Length"] = str(size)
    if accept_ranges:
        response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = _content_disposition(filename, attachment=attachment)
    # Evidence must not linger in shared caches, and the browser must not guess another type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # A file opened inline must not run script in our origin (an SVG or HTML original, say).
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
