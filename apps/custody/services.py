"""Writes to the custody ledger. Every action on evidence goes through custody_record."""

from __future__ import annotations

import gzip
import json
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.custody.enums import CustodyAction
from apps.custody.hashing import GENESIS_HASH, event_hash
from apps.custody.merkle import merkle_root
from apps.custody.models import CustodyCheckpoint, CustodyEvent, IntegrityAlert
from apps.evidence.enums import IntegrityStatus, ProcessingStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.storage import CHUNK_SIZE, digest_stream, evidence_storage

if TYPE_CHECKING:
    from apps.cases.models import Case


def system_actor(component: str) -> str:
    """The actor label of a system component, with the version that acted."""
    return f"system:{component}/{settings.CUSTOS_VERSION}"


def custody_record(
    *,
    item: EvidenceItem,
    action: CustodyAction,
    actor_user: User | None = None,
    actor_system: str = "",
    details: dict[str, Any] | None = None,
) -> CustodyEvent:
    """Append one event to the item's custody chain and return it.

    Side effects: inserts one CustodyEvent. It runs inside the caller's
    transaction (or its own), so the event commits or rolls back together
    with the action it records.

    Concurrency: the item's row is locked (SELECT ... FOR UPDATE) before the
    chain head is read, so two concurrent appends to one item queue up
    instead of both extending the same head (a fork) or taking the same
    sequence number.
    """
    if (actor_user is None) == (not actor_system):
        raise ValueError("give exactly one of actor_user or actor_system")
    actor = f"user:{actor_user.get_username()}" if actor_user is not None else actor_system
    details = details or {}

    with transaction.atomic():
        EvidenceItem.objects.select_for_update().only("id").get(pk=item.pk)
        head = CustodyEvent.objects.filter(item_id=item.pk).order_by("-sequence").only("sequence", "event_hash").first()
        sequence = head.sequence + 1 if head else 1
        prev_hash = head.event_hash if head else GENESIS_HASH
        occurred_at = timezone.now()
        actor_user_id = actor_user.pk if actor_user is not None else None
        digest = event_hash(
            item_id=str(item.pk),
            sequence=sequence,
            action=str(action),
            actor=actor,
            actor_user_id=actor_user_id,
            occurred_at=occurred_at,
            details=details,
            prev_hash=prev_hash,
        )
        return CustodyEvent.objects.create(
            item_id=item.pk,
            sequence=sequence,
            action=action,
            actor_user_id=actor_user_id,
            actor=actor,
            occurred_at=occurred_at,
            details=details,
            prev_hash=prev_hash,
            event_hash=digest,
        )


# --- Physical items -------------------------------------------------------------------


def _format_local_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a transfer time needs its time zone")
    return moment.isoformat()


def custody_transfer(
    *,
    item: EvidenceItem,
    released_by: str,
    received_by: str,
    transferred_at: datetime,
    reason: str,
    new_location: str,
    actor_user: User,
) -> CustodyEvent:
    """Record a hand-over of a (physical) item, as on a paper chain-of-custody form.

    ``transferred_at`` keeps the time zone it was given in (the form asks for
    local time with zone); ``released_by``/``received_by`` are names, since the
    other party is often not a Custos user. Side effects: the item's
    storage location changes and one custody event is written, together.
    """
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        before = locked.storage_location
        locked.storage_location = new_location
        locked.last_edited_by = actor_user
        locked.save(update_fields=["storage_location", "last_edited_by", "updated_at"])
        return custody_record(
            item=locked,
            action=CustodyAction.CUSTODY_TRANSFERRED,
            actor_user=actor_user,
            details={
                "released_by": released_by,
                "received_by": received_by,
                "transferred_at": _format_local_time(transferred_at),
                "reason": reason,
                "location": {"before": before, "after": new_location},
            },
        )


def physical_item_seal(*, item: EvidenceItem, seal_numbers: str, actor_user: User, note: str = "") -> CustodyEvent:
    """Record that a physical item was sealed (or re-sealed) with the given seal numbers."""
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        before = locked.seal_numbers
        locked.seal_numbers = seal_numbers
        locked.last_edited_by = actor_user
        locked.save(update_fields=["seal_numbers", "last_edited_by", "updated_at"])
        return custody_record(
            item=locked,
            action=CustodyAction.PHYSICAL_SEALED,
            actor_user=actor_user,
            details={"seal_numbers": {"before": before, "after": seal_numbers}, "note": note},
        )


def physical_item_store(
    *, item: EvidenceItem, location: str, condition: str, actor_user: User, reason: str = ""
) -> CustodyEvent:
    """Record that a physical item was put in storage or moved within the custodian's premises."""
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        before = {"location": locked.storage_location, "condition": locked.condition}
        action = CustodyAction.PHYSICAL_MOVED if locked.storage_location else CustodyAction.PHYSICAL_STORED
        locked.storage_location, locked.condition = location, condition
        locked.last_edited_by = actor_user
        locked.save(update_fields=["storage_location", "condition", "last_edited_by", "updated_at"])
        return custody_record(
            item=locked,
            action=action,
            actor_user=actor_user,
            details={
                "before": before,
                "after": {"location": location, "condition": condition},
                "reason": reason,
            },
        )


# --- Checkpoints -------------------------------------------------------------------------


def _chain_heads() -> list[tuple[str, int, str]]:
    """Every item's latest event, read in one statement (one consistent snapshot)."""
    latest = CustodyEvent.objects.filter(item_id=OuterRef("item_id")).order_by("-sequence").values("sequence")[:1]
    rows = CustodyEvent.objects.filter(sequence=Subquery(latest)).values_list("item_id", "sequence", "event_hash")
    return sorted((str(item_id), sequence, head) for item_id, sequence, head in rows.iterator(chunk_size=10_000))


def custody_checkpoint_create(*, force: bool = False) -> CustodyCheckpoint:
    """Compute the Merkle root over all chain heads, timestamp it if a TSA is configured, and store it.

    When nothing changed since the latest checkpoint (same root, and it is
    timestamped if a TSA is configured) that checkpoint is returned instead,
    unless ``force``. A TSA failure does not prevent the checkpoint: it is
    stored untimestamped, with the reason.
    """
    heads = _chain_heads()
    root = merkle_root(heads)
    latest = CustodyCheckpoint.objects.order_by("-created_at", "-id").first()
    tsa_url = settings.CUSTODY_TSA_URL
    if not force and latest is not None and latest.root_hash == root and (latest.is_timestamped or not tsa_url):
        return latest
    timestamp, tsa_error = None, ""
    if tsa_url:
        # Imported here: cryptography and rfc3161-client are only needed by the beat task, not by web processes.
        from apps.custody.timestamping import TimestampingError, request_timestamp  # noqa: PLC0415

        try:
            timestamp = request_timestamp(data=root.encode("ascii"), tsa_url=tsa_url)
        except TimestampingError as error:
            tsa_error = str(error)
    leaves = gzip.compress("".join(json.dumps(list(head)) + "\n" for head in heads).encode("utf-8"), mtime=0)
    return CustodyCheckpoint.objects.create(
        created_at=timezone.now(),
        root_hash=root,
        leaf_count=len(heads),
        event_count=CustodyEvent.objects.count(),
        leaves=leaves,
        tsa_url=tsa_url,
        tsa_response=timestamp.response if timestamp else None,
        tsa_time=timestamp.time if timestamp else None,
        tsa_error=tsa_error,
    )


# --- Fixity --------------------------------------------------------------------------------


class ThrottledReader:
    """A read-only stream that never delivers more than ``max_bytes_per_second`` on average."""

    def __init__(self, stream: IO[bytes], max_bytes_per_second: int) -> None:
        self._stream = stream
        self._rate = max_bytes_per_second
        self._started = time.monotonic()
        self._delivered = 0

    def read(self, size: int = CHUNK_SIZE) -> bytes:
        chunk = self._stream.read(size)
        self._delivered += len(chunk)
        if self._rate > 0:
            ahead = self._delivered / self._rate - (time.monotonic() - self._started)
            if ahead > 0:
                time.sleep(ahead)
        return chunk


@dataclass(frozen=True)
class FixityResult:
    item_id: str
    passed: bool
    problem: str = ""  # "", "missing" or "mismatch"


def fixity_check_item(*, item_id: Any, max_bytes_per_second: int | None = None) -> FixityResult:
    """Re-hash one archived original and record the result.

    Side effects: one custody event (fixity passed or failed) and the item's
    integrity status; on failure also an IntegrityAlert and, after commit,
    an e-mail to the case's leads and the site admins.
    """
    item = EvidenceItem.objects.select_related("case").get(pk=item_id)
    rate = settings.FIXITY_MAX_BYTES_PER_SECOND if max_bytes_per_second is None else max_bytes_per_second
    expected = {"sha256": item.sha256, "sha512": item.sha512, "size_bytes": item.size_bytes}
    # The file is read outside any transaction: it may take minutes.
    try:
        with evidence_storage().open(item.storage_name, "rb") as stored:
            digests = digest_stream(ThrottledReader(stored, rate))  # type: ignore[arg-type]
    except FileNotFoundError:
        problem, found = "missing", {}
    else:
        found = {"sha256": digests.sha256, "sha512": digests.sha512, "size_bytes": digests.size_bytes}
        problem = "" if found == expected else "mismatch"
    details = {"storage_name": item.storage_name, "expected": expected, "found": found, "tool": "hashlib"}
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        locked.integrity_status = IntegrityStatus.FAILED if problem else IntegrityStatus.INTACT
        locked.last_fixity_check_at = timezone.now()
        locked.save(update_fields=["integrity_status", "last_fixity_check_at"])
        custody_record(
            item=locked,
            action=CustodyAction.FIXITY_FAILED if problem else CustodyAction.FIXITY_PASSED,
            actor_system=system_actor("fixity"),
            details={**details, "problem": problem} if problem else details,
        )
        if problem:
            alert = IntegrityAlert.objects.create(item=locked, problem=problem, details=details)
            transaction.on_commit(lambda: integrity_alert_notify(alert=alert))
    return FixityResult(item_id=str(item.pk), passed=not problem, problem=problem)


def integrity_alert_notify(*, alert: IntegrityAlert) -> None:
    """E-mail the case's leads and the site admins about an integrity failure."""
    item = alert.item
    leads = CaseMembership.objects.filter(case=item.case, role=CaseRole.LEAD).values_list("user__email", flat=True)
    admins = User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
    recipients = sorted({email for email in [*leads, *admins] if email})
    if not recipients:
        return
    send_mail(
        subject=f"[Custos] Integrity failure: {item.reference}",
        message=(
            f"The fixity check of evidence item {item.reference} ({item.original_filename}) failed: "
            f"{alert.get_problem_display()}.\n\nExpected SHA-256: {item.sha256}\n"
            f"Found: {alert.details.get('found', {}).get('sha256', 'no file')}\n\n"
            "The archived original is missing or no longer matches the hash recorded at receipt. "
            "Restore it from a verified backup and run `python manage.py fixity_check --all`."
        ),
        from_email=None,
        recipient_list=recipients,
    )


def fixity_items_due(*, case: Case | None = None) -> list[Any]:
    """The ids of the next batch of archived originals to check, oldest check first.

    The batch is sized so that every original is checked once per
    FIXITY_CYCLE_DAYS when a batch runs every FIXITY_RUN_INTERVAL_SECONDS:
    the load is spread evenly over the cycle instead of arriving all at once.
    """
    archived = EvidenceItem.objects.filter(processing_status=ProcessingStatus.ARCHIVED).exclude(storage_name="")
    if case is not None:
        archived = archived.filter(case=case)
    total = archived.count()
    cycle = timedelta(days=settings.FIXITY_CYCLE_DAYS).total_seconds()
    batch = math.ceil(total * settings.FIXITY_RUN_INTERVAL_SECONDS / cycle) if total else 0
    oldest_first = archived.order_by(F("last_fixity_check_at").asc(nulls_first=True), "created_at")
    return list(oldest_first.values_list("id", flat=True)[:batch])


def fixity_run(*, case: Case | None = None, check_all: bool = False) -> list[FixityResult]:
    """Check the due batch (or, with ``check_all``, every archived original)."""
    if check_all:
        archived = EvidenceItem.objects.filter(processing_status=ProcessingStatus.ARCHIVED).exclude(storage_name="")
        if case is not None:
            archived = archived.filter(case=case)
        ids = list(archived.order_by("case_id", "number").values_list("id", flat=True))
    else:
        ids = fixity_items_due(case=case)
    return [fixity_check_item(item_id=item_id) for item_id in ids]
