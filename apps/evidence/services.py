"""Writes to evidence items."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max, Model

from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.services import custody_record
from apps.evidence.enums import ProcessingStatus
from apps.evidence.filenames import filename_custody_details, filename_fields
from apps.evidence.models import EvidenceItem, IncidentLink
from apps.evidence.storage import digest_stream, store_original

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.evidence.file_responses import ByteRange
    from apps.incidents.models import Incident


def evidence_item_next_number(*, case: Case) -> int:
    """The next item number in the case. Call inside a transaction.

    Locks the case row so that two items created at once cannot take the
    same number.
    """
    Case.objects.select_for_update().only("id").get(pk=case.pk)
    highest = EvidenceItem.objects.filter(case=case).aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


def evidence_import_file(
    *,
    case: Case,
    stream: IO[bytes],
    original_filename: str,
    declared_content_type: str,
    kind: str,
    actor_user: User | None = None,
    actor_system: str = "",
    **descriptive_fields: Any,
) -> EvidenceItem:
    """Import a file already in hand (seed data, a migration from another system).

    Hashes the bytes, writes them to content-addressed archive storage,
    reads them back to verify, and creates the item with custody events
    "received" and "archived". Interactive uploads go through the intake
    pipeline instead, which also identifies and describes the file.

    Side effects: one file in evidence storage (unless identical bytes are
    already there), one EvidenceItem, two CustodyEvents, one transaction.
    """
    digests = digest_stream(stream)
    storage_name = store_original(stream=stream, digests=digests)
    with transaction.atomic():
        item = EvidenceItem.objects.create(
            case=case,
            number=evidence_item_next_number(case=case),
            kind=kind,
            **filename_fields(original_filename),
            declared_content_type=declared_content_type,
            size_bytes=digests.size_bytes,
            sha256=digests.sha256,
            sha512=digests.sha512,
            storage_name=storage_name,
            processing_status=ProcessingStatus.ARCHIVED,
            uploaded_by=actor_user,
            **descriptive_fields,
        )
        custody_record(
            item=item,
            action=CustodyAction.RECEIVED,
            details={
                **filename_custody_details(original_filename),
                "declared_content_type": declared_content_type,
                "size_bytes": digests.size_bytes,
                "sha256": digests.sha256,
                "via": "import",
            },
            actor_user=actor_user,
            actor_system=actor_system,
        )
        custody_record(
            item=item,
            action=CustodyAction.ARCHIVED,
            details={"storage_name": storage_name, "sha256": digests.sha256, "sha512": digests.sha512},
            actor_user=actor_user,
            actor_system=actor_system,
        )
    return item


def _json_value(value: Any) -> Any:
    """A model field value as it goes into custody details (no floats, no objects)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Model):
        return str(value.pk)
    return str(value)


def evidence_item_update(*, item: EvidenceItem, actor_user: User, changes: dict[str, Any]) -> EvidenceItem:
    """Change descriptive fields of an item, recording before and after in custody.

    Side effects: the item is saved and one "metadata edited" custody event
    names every changed field with its old and new value, in one transaction.
    Nothing is written when no value actually changes.
    """
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        diff = {
            name: {"before": _json_value(getattr(locked, name)), "after": _json_value(value)}
            for name, value in changes.items()
            if getattr(locked, name) != value
        }
        if not diff:
            return locked
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.last_edited_by = actor_user
        locked.full_clean()
        locked.save()
        custody_record(
            item=locked, action=CustodyAction.METADATA_EDITED, actor_user=actor_user, details={"changes": diff}
        )
    return locked


def evidence_link_incident(
    *, item: EvidenceItem, incident: Incident, actor_user: User | None = None, actor_system: str = "", note: str = ""
) -> IncidentLink:
    """Tie an item to an incident of the same case, recorded in custody."""
    if incident.case_id != item.case_id:
        raise ValueError("an item can only be linked to an incident of its own case")
    with transaction.atomic():
        link, created = IncidentLink.objects.get_or_create(
            item=item, incident=incident, defaults={"linked_by": actor_user, "note": note}
        )
        if created:
            custody_record(
                item=item,
                action=CustodyAction.INCIDENT_LINKED,
                actor_user=actor_user,
                actor_system=actor_system,
                details={"incident_id": str(incident.pk), "incident_title": incident.title, "note": note},
            )
    return link


def evidence_unlink_incident(*, item: EvidenceItem, incident: Incident, actor_user: User, reason: str) -> None:
    """Untie an item from an incident, recorded in custody with the reason."""
    with transaction.atomic():
        deleted, _ = IncidentLink.objects.filter(item=item, incident=incident).delete()
        if deleted:
            custody_record(
                item=item,
                action=CustodyAction.INCIDENT_UNLINKED,
                actor_user=actor_user,
                details={"incident_id": str(incident.pk), "incident_title": incident.title, "reason": reason},
            )


def evidence_file_access_record(
    *,
    item: EvidenceItem,
    user: User,
    action: CustodyAction,
    file: str,
    reason: str = "",
    byte_range: ByteRange | None = None,
) -> None:
    """Record that a user viewed or downloaded an item's file, before the bytes are handed over.

    ``file`` says which: "original" or "preview" (an unblurred working copy).
    ``byte_range``: only these bytes are handed over (a player seeking, a download resumed); the event says which.
    Side effects: one "viewed" or "downloaded" custody event naming the file and its hash.
    """
    if action not in {CustodyAction.VIEWED, CustodyAction.DOWNLOADED}:
        raise ValueError("file access is recorded as viewed or downloaded")
    details: dict[str, Any] = {"file": file, "sha256": item.sha256}
    if reason:
        details["reason"] = reason
    if byte_range is not None:
        details["bytes"] = byte_range.span
    with transaction.atomic():
        custody_record(item=item, action=action, actor_user=user, details=details)
