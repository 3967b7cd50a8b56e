"""Make a request's body parse through the quarantine handler, whoever reads it first.

CSRF checks and DRF read request.POST before a view runs; whatever reads
the body first decides how files are stored. Installing the handler (and
the verbatim-filename parser) on the request before anything reads it
means every file of an upload request streams to quarantine with its hash.
"""

from __future__ import annotations

import types
from typing import Any

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser

from apps.intake.upload_handler import QuarantineUploadHandler


class VerbatimFilenameMultiPartParser(MultiPartParser):
    """Keeps the uploader's filename verbatim.

    Django's parser "sanitises" filenames (drops directories, NUL and other
    non-printable characters) before any handler sees them. For evidence the
    declared name is itself a fact ("../../IMG_0042.jpg" says something about
    the sender's device), and it is never used as a path here.
    """

    def sanitize_file_name(self, file_name: str) -> str | None:
        # An empty name still marks a file part; give it a visible placeholder.
        return file_name if file_name else "(no name)"


def install_quarantine_parsing(request: HttpRequest) -> None:
    request.upload_handlers = [QuarantineUploadHandler(request)]

    def parse_file_upload(self: HttpRequest, meta: Any, post_data: Any) -> Any:
        parser = VerbatimFilenameMultiPartParser(meta, post_data, self.upload_handlers, self.encoding)
        return parser.parse()

    request.parse_file_upload = types.MethodType(parse_file_upload, request)  # type: ignore[method-assign]


def discard_partial_upload(request: HttpRequest) -> None:
    """After a parse error: remove whatever the quarantine handler had written for this request."""
    for handler in request.upload_handlers:
        if isinstance(handler, QuarantineUploadHandler):
            handler.discard()


def uploaded_files(request: HttpRequest, field: str) -> list[Any]:
    return list(request.FILES.getlist(field))
