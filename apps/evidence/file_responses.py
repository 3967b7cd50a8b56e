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
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, HttpResponseBase

from apps.evidence.storage import evidence_storage

SENDFILE_NGINX = "x-accel-redirect"
SENDFILE_APACHE = "x-sendfile"


def _content_disposition(filename: str, *, attachment: bool) -> str:
    kind = "attachment" if attachment else "inline"
    # RFC 6266 / RFC 5987: an ASCII fallback and the exact name in UTF-8.
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\' else "_" for char in filename) or "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def evidence_file_response(
    *, storage_name: str, content_type: str, filename: str, attachment: bool, size: int | None = None
) -> HttpResponseBase:
    """A response carrying one stored evidence file, never cached by shared caches."""
    storage = evidence_storage()
    mode = settings.EVIDENCE_SENDFILE
    response: HttpResponseBase
    if mode and isinstance(storage, FileSystemStorage):
        response = HttpResponse(content_type=content_type)
        if mode == SENDFILE_NGINX:
            response["X-Accel-Redirect"] = settings.EVIDENCE_SENDFILE_PREFIX.rstrip("/") + "/" + storage_name
        else:
            response["X-Sendfile"] = storage.path(storage_name)
    else:
        response = FileResponse(storage.open(storage_name, "rb"), content_type=content_type)
        if size is not None:
            response["Content-Length"] = str(size)
    response["Content-Disposition"] = _content_disposition(filename, attachment=attachment)
    # Evidence must not linger in shared caches, and the browser must not guess another type.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # A file opened inline must not run script in our origin (an SVG or HTML original, say).
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
