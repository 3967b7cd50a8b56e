"""Handing out an item's files once the caller has found the item the user may see: the download of the
original and its working copies (derivatives), each recorded in custody before the first byte leaves.

The item pages (views.py) and the API (api.py) both serve these, so that a file reaches a browser and a script
under the same rules and leaves the same trace in the chain of custody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.custody.enums import CustodyAction
from apps.evidence.enums import ProcessingStatus
from apps.evidence.file_responses import evidence_file_response, requested_byte_range
from apps.evidence.models import Derivative
from apps.evidence.services import evidence_file_access_record
from apps.evidence.storage import evidence_storage

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase
    from rest_framework.request import Request

    from apps.accounts.models import User
    from apps.evidence.models import EvidenceItem

# Every working copy is a JPEG image (apps.intake.derive writes them).
DERIVATIVE_CONTENT_TYPE = "image/jpeg"
# Working copies small enough to serve recognition, not examination: lists show dozens of them, so handing one
# out is not recorded. Any other copy is, unless it is blurred.
UNRECORDED_DERIVATIVE_KINDS = frozenset({"thumbnail"})


def has_archived_original(item: EvidenceItem) -> bool:
    """Whether the item's original is in the archive (processing finished), so that it can be handed out."""
    return bool(item.storage_name) and item.processing_status == ProcessingStatus.ARCHIVED


def original_size(item: EvidenceItem) -> int:
    return item.size_bytes if item.size_bytes is not None else evidence_storage().size(item.storage_name)


def original_download(*, request: HttpRequest | Request, item: EvidenceItem, user: User) -> HttpResponseBase:
    """The archived original, byte for byte, as an attachment under its original name, recorded as "downloaded".

    A Range request (a download resumed) gets those bytes, and the event says which. Raises
    RangeNotSatisfiableError for a range past the end: then nothing is recorded and nothing sent.
    """
    byte_range = requested_byte_range(request, original_size(item))
    evidence_file_access_record(
        item=item, user=user, action=CustodyAction.DOWNLOADED, file="original", byte_range=byte_range
    )
    return evidence_file_response(
        storage_name=item.storage_name,
        content_type="application/octet-stream",
        filename=item.original_filename or f"{item.reference}.bin",
        attachment=True,
        size=item.size_bytes,
        byte_range=byte_range,
        accept_ranges=True,
    )


def derivative_of(item: EvidenceItem, kind: str) -> Derivative | None:
    """The item's working copy of this kind. Should there be a blurred and an unblurred one (the item was
    processed again after its graphic flag changed), the blurred one: no unblurred pixel by mistake."""
    return Derivative.objects.filter(item=item, kind=kind).order_by("-blurred", "pk").first()


def derivative_file(*, item: EvidenceItem, derivative: Derivative, user: User) -> HttpResponseBase:
    """A working copy of the item, shown inline. An unblurred copy other than a thumbnail is recorded as
    "viewed" (it shows the material itself); a blurred one (graphic material) hides it, whoever asks."""
    if derivative.kind not in UNRECORDED_DERIVATIVE_KINDS and not derivative.blurred:
        evidence_file_access_record(item=item, user=user, action=CustodyAction.VIEWED, file=derivative.kind)
    return evidence_file_response(
        storage_name=derivative.storage_name,
        content_type=derivative.content_type,
        filename=f"{item.reference}-{derivative.kind}.jpg",
        attachment=False,
        size=derivative.size_bytes,
    )
