from datetime import UTC, datetime

import pytest

from apps.custody.enums import CustodyAction
from apps.custody.hashing import (
    GENESIS_HASH,
    NonCanonicalValueError,
    canonical_bytes,
    canonical_bytes_from_stored,
    event_hash,
    format_time,
)
from apps.custody.models import CustodyAppendOnlyError, CustodyEvent
from apps.custody.services import custody_record, system_actor
from tests.factories import EvidenceItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_custody_events_are_numbered_and_chained_per_item() -> None:
    item, other_item = EvidenceItemFactory(), EvidenceItemFactory()
    alice = UserFactory(username="alice")

    first = custody_record(item=item, action=CustodyAction.RECEIVED, actor_user=alice, details={"sha256": "x"})
    custody_record(item=other_item, action=CustodyAction.RECEIVED, actor_system=system_actor("test"))
    second = custody_record(item=item, action=CustodyAction.VIEWED, actor_user=alice)

    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.event_hash)
    assert (first.actor, first.actor_user_id) == ("user:alice", alice.pk)


def test_the_stored_hash_is_the_hash_of_the_stored_fields() -> None:
    item = EvidenceItemFactory()
    recorded = custody_record(
        item=item, action=CustodyAction.RECEIVED, actor_system="system:test/1", details={"name": "Ірпінь.jpg", "n": 3}
    )

    stored = CustodyEvent.objects.get(pk=recorded.pk)

    assert stored.event_hash == event_hash(
        item_id=str(item.pk),
        sequence=1,
        action="received",
        actor="system:test/1",
        actor_user_id=None,
        occurred_at=stored.occurred_at,
        details={"name": "Ірпінь.jpg", "n": 3},
        prev_hash=GENESIS_HASH,
    )


def test_canonical_form_sorts_keys_keeps_utf8_and_fixes_the_time_format() -> None:
    data = canonical_bytes(
        item_id="i",
        sequence=1,
        action="received",
        actor="system:x",
        actor_user_id=None,
        occurred_at=datetime(2022, 3, 6, 12, 0, 0, 5, tzinfo=UTC),
        details={"b": 1, "a": "Ї"},
        prev_hash=GENESIS_HASH,
    )

    assert (
        data
        == (
            '{"action":"received","actor":"system:x","actor_user_id":null,"details":{"a":"Ї","b":1},'
            '"item_id":"i","occurred_at":"2022-03-06T12:00:00.000005Z","prev_hash":"' + GENESIS_HASH + '","sequence":1}'
        ).encode()
    )


def test_floats_are_refused_in_details_because_their_text_form_is_not_canonical() -> None:
    with pytest.raises(NonCanonicalValueError):
        custody_record(
            item=EvidenceItemFactory(), action=CustodyAction.VIEWED, actor_system="system:t", details={"x": 1.5}
        )

    assert CustodyEvent.objects.count() == 0


def test_an_event_names_exactly_one_actor() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        custody_record(item=EvidenceItemFactory(), action=CustodyAction.VIEWED)


def test_the_orm_refuses_to_update_or_delete_custody_events() -> None:
    event = custody_record(item=EvidenceItemFactory(), action=CustodyAction.VIEWED, actor_system="system:t")

    event.action = CustodyAction.DOWNLOADED
    with pytest.raises(CustodyAppendOnlyError):
        event.save()
    with pytest.raises(CustodyAppendOnlyError):
        event.delete()
    with pytest.raises(CustodyAppendOnlyError):
        CustodyEvent.objects.filter(pk=event.pk).update(action="downloaded")
    with pytest.raises(CustodyAppendOnlyError):
        CustodyEvent.objects.all().delete()

    assert list(CustodyEvent.objects.values_list("action", flat=True)) == ["viewed"]


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"b": 1, "a": "Ї", "nested": {"z": [1, "two", None, True], "a": {}}},
        {"quote": 'he said "stop"\\ \n\t\x00 end', "emoji": "🙂", "control": "\x1f"},
        {"sha256": "sha256:" + "a" * 64, "list": [{"k": "v"}, []]},
    ],
)
def test_the_fast_canonical_form_used_by_verification_equals_the_reference(details: dict[str, object]) -> None:
    when = datetime(2022, 3, 6, 12, 0, 0, 5, tzinfo=UTC)
    fields = {
        "item_id": "9d0c1d9e-0000-4000-8000-000000000001",
        "sequence": 12,
        "action": "metadata_edited",
        "actor": 'user:o"brien',
        "actor_user_id": 7,
        "details": details,
        "prev_hash": GENESIS_HASH,
    }

    reference = canonical_bytes(**fields, occurred_at=when)  # type: ignore[arg-type]
    fast = canonical_bytes_from_stored(**fields, occurred_at_text=format_time(when))  # type: ignore[arg-type]

    assert fast == reference
    assert canonical_bytes_from_stored(**{**fields, "actor_user_id": None}, occurred_at_text="t") != fast  # type: ignore[arg-type]
