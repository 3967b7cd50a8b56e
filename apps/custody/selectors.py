"""Reads of the custody ledger, and its verification.

Verification recomputes every event's hash from its stored fields and
checks that each chain starts at 1, has no gaps, and links each event to
the previous one's hash; then it checks the latest checkpoint: its root
over its own leaves, and that every chain head it names still exists
unchanged. It only reads, so it can run against a read-only copy.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from json.encoder import encode_basestring
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.db.models import QuerySet

from apps.cases.models import Case
from apps.common.cached_flags import cached_flag, forget
from apps.custody.hashing import GENESIS_HASH, encode_details, format_time
from apps.custody.merkle import Leaf, merkle_root
from apps.custody.models import CustodyCheckpoint, CustodyEvent, IntegrityAlert

# Whether any integrity alert is open anywhere (common.cached_flags): asked by every page's banner, forgotten
# whenever an alert is saved or deleted (apps/custody/signals.py).
_OPEN_ALERTS_KEY = "custody:open-integrity-alerts:v1"

# Rows fetched per round trip when streaming events (a server-side cursor on PostgreSQL).
STREAM_CHUNK = 10_000
MAX_REPORTED_BREAKS = 100


@dataclass(frozen=True)
class ChainBreak:
    item_id: str
    sequence: int
    reason: str


@dataclass
class VerificationReport:
    items_checked: int = 0
    events_checked: int = 0
    breaks: list[ChainBreak] = field(default_factory=list)
    breaks_total: int = 0
    checkpoint_id: int | None = None
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.breaks_total == 0 and not self.checkpoint_problems

    @property
    def first_break(self) -> ChainBreak | None:
        return self.breaks[0] if self.breaks else None

    def add_break(self, item_id: str, sequence: int, reason: str) -> None:
        self.breaks_total += 1
        if len(self.breaks) < MAX_REPORTED_BREAKS:
            self.breaks.append(ChainBreak(item_id, sequence, reason))


def custody_events_for_item(*, item_id: UUID) -> QuerySet[CustodyEvent]:
    return CustodyEvent.objects.filter(item_id=item_id).select_related("actor_user").order_by("sequence")


# The canonical time format, produced by PostgreSQL itself so that verification
# neither parses timestamps into Python objects nor formats them back.
_PG_CANONICAL_TIME = """to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _event_rows(*, case: Case | None, item_id: UUID | None) -> Iterator[tuple[Any, ...]]:
    """Event rows in chain order: (item_id, sequence, action, actor, actor_user_id, time text, details, prev, hash).

    ``details`` is JSON text on PostgreSQL and already decoded elsewhere (see
    _details_decoder). Streams with a server-side cursor, so memory stays
    flat however many events there are. On PostgreSQL the rows come straight
    from psycopg with the time already in canonical text: converting a
    million rows through the ORM costs more than verifying them.
    """
    if connection.vendor == "postgresql":
        yield from _event_rows_postgresql(case=case, item_id=item_id)
        return
    events = CustodyEvent.objects.all()
    if case is not None:
        events = events.filter(item__case=case)
    if item_id is not None:
        events = events.filter(item_id=item_id)
    rows = events.order_by("item_id", "sequence").values_list(
        "item_id", "sequence", "action", "actor", "actor_user_id", "occurred_at", "details", "prev_hash", "event_hash"
    )
    for row in rows.iterator(chunk_size=STREAM_CHUNK):
        yield (str(row[0]), row[1], row[2], row[3], row[4], format_time(row[5]), *row[6:])


def _details_decoder() -> Callable[[Any], Any]:
    """How _verify_chains turns a row's details into JSON values: parse text on PostgreSQL, nothing elsewhere."""
    if connection.vendor == "postgresql":
        return json.loads
    return lambda details: details


def _event_rows_postgresql(*, case: Case | None, item_id: UUID | None) -> Iterator[tuple[Any, ...]]:
    conditions, params = [], []
    if case is not None:
        conditions.append("e.item_id IN (SELECT id FROM evidence_evidenceitem WHERE case_id = %s)")
        params.append(case.pk)
    if item_id is not None:
        conditions.append("e.item_id = %s")
        params.append(item_id)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = (
        "SELECT e.item_id::text, e.sequence, e.action, e.actor, e.actor_user_id, "  # noqa: S608 (fixed text; values are parameters)
        f"{_PG_CANONICAL_TIME}, e.details::text, e.prev_hash, e.event_hash "
        f"FROM custody_custodyevent e {where} ORDER BY e.item_id, e.sequence"
    )
    connection.ensure_connection()
    raw = connection.connection
    # A named (server-side) cursor lives inside a transaction.
    with transaction.atomic(), raw.cursor(name="custos_custody_verify") as cursor:
        cursor.itersize = STREAM_CHUNK
        cursor.execute(sql, params)
        yield from cursor


def _verify_chains(report: VerificationReport, rows: Iterator[tuple[Any, ...]]) -> None:
    """Recompute every event's hash and check each chain's sequence and links.

    The loop is verification's hot path (a million events must take well
    under 20 seconds): counters are locals, the item id is JSON-quoted once
    per chain, and the canonical text is written inline. Tests hold it to
    canonical_bytes() on both databases (every valid chain must verify).
    """
    decode = _details_decoder()
    quote = encode_basestring
    current_item: str | None = None
    quoted_item = ""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    items = events = 0
    for item_id, sequence, action, actor, actor_user_id, occurred_at, details, prev_hash, stored_hash in rows:
        if item_id != current_item:
            current_item, quoted_item = item_id, encode_basestring(item_id)
            items += 1
            expected_sequence, previous_hash = 1, GENESIS_HASH
        events += 1
        if sequence != expected_sequence:
            reason = (
                f"events {expected_sequence}..{sequence - 1} are missing"
                if sequence > expected_sequence
                else f"sequence {sequence} appears where {expected_sequence} was expected"
            )
            report.add_break(item_id, sequence, reason)
        if prev_hash != previous_hash:
            report.add_break(item_id, sequence, "does not link to the previous event's hash (reordered or replaced)")
        # The canonical text (apps.custody.hashing.canonical_bytes), written out here because a
        # function call per event costs a second per million. The time is already canonical text
        # from the database, made only of digits and "-:.TZ", so it needs no escaping.
        user = "null" if actor_user_id is None else int(actor_user_id)
        canonical = (
            f'{{"action":{quote(action)},"actor":{quote(actor)},"actor_user_id":{user},'
            f'"details":{encode_details(decode(details))},"item_id":{quoted_item},"occurred_at":"{occurred_at}",'
            f'"prev_hash":{quote(prev_hash)},"sequence":{int(sequence)}}}'
        )
        if "sha256:" + sha256(canonical.encode()).hexdigest() != stored_hash:
            report.add_break(item_id, sequence, "its content does not match its hash (changed after it was written)")
        expected_sequence = sequence + 1
        previous_hash = stored_hash
    report.items_checked += items
    report.events_checked += events


def checkpoint_leaves(checkpoint: CustodyCheckpoint) -> list[Leaf]:
    lines = gzip.decompress(bytes(checkpoint.leaves)).decode("utf-8").splitlines()
    return [(item_id, int(sequence), event_hash) for item_id, sequence, event_hash in map(json.loads, lines)]


def _verify_checkpoint(report: VerificationReport, checkpoint: CustodyCheckpoint, case: Case | None) -> None:
    report.checkpoint_id = checkpoint.pk
    leaves = checkpoint_leaves(checkpoint)
    if merkle_root(leaves) != checkpoint.root_hash or len(leaves) != checkpoint.leaf_count:
        report.checkpoint_problems.append(f"checkpoint {checkpoint.pk}: its leaves do not give its root")
        return
    if case is not None:
        case_items = {str(pk) for pk in case.evidence_items.values_list("id", flat=True)}
        leaves = [leaf for leaf in leaves if leaf[0] in case_items]
    # One query per batch of leaves: is the head named by the checkpoint still there, unchanged?
    for start in range(0, len(leaves), STREAM_CHUNK):
        batch = leaves[start : start + STREAM_CHUNK]
        stored = dict(
            CustodyEvent.objects.filter(event_hash__in=[leaf[2] for leaf in batch]).values_list("event_hash", "item_id")
        )
        for item_id, sequence, head_hash in batch:
            if str(stored.get(head_hash, "")) != item_id:
                report.checkpoint_problems.append(
                    f"checkpoint {checkpoint.pk}: item {item_id} event {sequence} ({head_hash}) is gone "
                    "(its chain was deleted or rewritten)"
                )


def custody_verify(*, case: Case | None = None, item_id: UUID | None = None) -> VerificationReport:
    """Recompute every chain (of one case, one item, or all) and check the latest checkpoint."""
    report = VerificationReport()
    _verify_chains(report, _event_rows(case=case, item_id=item_id))
    checkpoint = CustodyCheckpoint.objects.order_by("-created_at", "-id").first()
    if checkpoint is not None and item_id is None:
        _verify_checkpoint(report, checkpoint, case)
    return report


def open_integrity_alerts_exist() -> bool:
    """Whether any integrity alert is unresolved, in any case (from the shared cache; see common.cached_flags)."""
    # The query is built only when the cache has no answer (a lambda): building it costs about what the cache does.
    return cached_flag(_OPEN_ALERTS_KEY, lambda: IntegrityAlert.objects.filter(resolved_at__isnull=True).exists())


def forget_open_integrity_alerts() -> None:
    forget(_OPEN_ALERTS_KEY)
