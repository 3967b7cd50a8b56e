"""Writes to the custody ledger. Every action on evidence goes through custody_record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.custody.enums import CustodyAction
from apps.custody.hashing import GENESIS_HASH, event_hash
from apps.custody.models import CustodyEvent
from apps.evidence.models import EvidenceItem

if TYPE_CHECKING:
    from apps.accounts.models import User


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
