"""Reads of evidence items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404

from apps.evidence.enums import ProcessingStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item, visible_items
from apps.evidence.storage import digest_stream, evidence_storage

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case


@dataclass
class FileCheck:
    checked: int = 0
    failures: list[str] = field(default_factory=list)


def archived_files_verify(*, case: Case | None = None) -> FileCheck:
    """Re-hash every archived original against its recorded hashes. Read-only (fixity_check records results)."""
    result = FileCheck()
    items = EvidenceItem.objects.filter(processing_status=ProcessingStatus.ARCHIVED).exclude(storage_name="")
    if case is not None:
        items = items.filter(case=case)
    storage = evidence_storage()
    for item_id, storage_name, sha256, sha512 in items.values_list("id", "storage_name", "sha256", "sha512").iterator():
        result.checked += 1
        try:
            with storage.open(storage_name, "rb") as stored:
                digests = digest_stream(stored)
        except FileNotFoundError:
            result.failures.append(f"item {item_id}: {storage_name} is missing")
            continue
        if (digests.sha256, digests.sha512) != (sha256, sha512):
            result.failures.append(f"item {item_id}: {storage_name} does not match its hash (found {digests.sha256})")
    return result


def evidence_item_for_user(*, user: User | AnonymousUser, item_id: UUID) -> EvidenceItem | None:
    """The item if it exists in a case the user is a member of, else None (callers answer 404 either way).

    Loads the case and the collecting user with it, for the item page and the custody report.
    """
    return visible_items(user).filter(pk=item_id).select_related("case", "collected_by").first()


def viewable_item_or_404(*, user: User | AnonymousUser, item_id: UUID) -> EvidenceItem:
    """The item if the user may see it (a member of its case; an observer, not an identity-restricted item), else
    Http404 whether it does not exist or is not theirs: existence must not leak. Pages and the API call it alike
    (the API answers Http404 as its problem-details 404)."""
    item = evidence_item_for_user(user=user, item_id=item_id)
    # visible_items already leaves out what an observer may not see; the item's own rule is asked as well.
    if item is None or not can_view_item(user, item):
        raise Http404
    return item
