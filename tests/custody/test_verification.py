"""verify_custody finds every kind of tampering an attacker with database or disk access could do."""

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.services import custody_checkpoint_create, custody_record
from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import evidence_storage

pytestmark = pytest.mark.django_db

RawSql = Callable[..., None]


@pytest.fixture
def items(case: Case) -> list[EvidenceItem]:
    """Two archived items, each with received, archived, viewed and downloaded events."""
    made = []
    for index in range(2):
        item = evidence_import_file(
            case=case,
            stream=io.BytesIO(f"evidence bytes {index}".encode()),
            original_filename=f"photo-{index}.jpg",
            declared_content_type="image/jpeg",
            kind=EvidenceKind.IMAGE,
            actor_system="system:test/1",
        )
        for action in (CustodyAction.VIEWED, CustodyAction.DOWNLOADED):
            custody_record(item=item, action=action, actor_system="system:test/1", details={"reason": "review"})
        made.append(item)
    return made


def _verify(*args: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("verify_custody", *args, stdout=out)
    except CommandError as error:
        return False, out.getvalue() + str(error)
    return True, out.getvalue()


def _event(item: EvidenceItem, sequence: int) -> CustodyEvent:
    return CustodyEvent.objects.get(item=item, sequence=sequence)


def test_an_untouched_ledger_verifies(items: list[EvidenceItem]) -> None:
    custody_checkpoint_create()

    ok, output = _verify()

    assert ok, output
    assert "Items checked:  2\nEvents checked: 8\n" in output
    assert "Files checked:  2" in output
    assert "Custody verification passed." in output


def test_a_row_changed_with_raw_sql_is_found(items: list[EvidenceItem], raw_sql_without_triggers: RawSql) -> None:
    item = items[1]
    raw_sql_without_triggers(
        "UPDATE custody_custodyevent SET details = %s WHERE id = %s",
        [json.dumps({"reason": "nothing to see"}), _event(item, 3).pk],
    )

    ok, output = _verify("--skip-files")

    assert not ok
    reason = "its content does not match its hash (changed after it was written)"
    assert f"first broken link: item {item.pk} sequence 3: {reason}" in output


def test_a_deleted_row_is_found(items: list[EvidenceItem], raw_sql_without_triggers: RawSql) -> None:
    item = items[0]
    raw_sql_without_triggers("DELETE FROM custody_custodyevent WHERE id = %s", [_event(item, 2).pk])

    ok, output = _verify("--skip-files")

    assert not ok
    assert f"first broken link: item {item.pk} sequence 3: events 2..2 are missing" in output


def test_two_swapped_rows_are_found(items: list[EvidenceItem], raw_sql_without_triggers: RawSql) -> None:
    item = items[0]
    second, third = _event(item, 2), _event(item, 3)
    # Swap their places in the chain: a unique (item, sequence) index forces a detour.
    raw_sql_without_triggers("UPDATE custody_custodyevent SET sequence = 99 WHERE id = %s", [second.pk])
    raw_sql_without_triggers("UPDATE custody_custodyevent SET sequence = 2 WHERE id = %s", [third.pk])
    raw_sql_without_triggers("UPDATE custody_custodyevent SET sequence = 3 WHERE id = %s", [second.pk])

    ok, output = _verify("--skip-files")

    assert not ok
    assert f"first broken link: item {item.pk} sequence 2: does not link to the previous event's hash" in output


def test_a_whole_deleted_chain_is_found_by_the_checkpoint(
    items: list[EvidenceItem], raw_sql_without_triggers: RawSql
) -> None:
    checkpoint = custody_checkpoint_create()
    gone = items[1]
    for event_id in gone.custody_events.values_list("id", flat=True):
        raw_sql_without_triggers("DELETE FROM custody_custodyevent WHERE id = %s", [event_id])

    ok, output = _verify("--skip-files")

    assert not ok
    assert "Items checked:  1\n" in output
    assert f"checkpoint {checkpoint.pk}: item {gone.pk} event 4 (" in output
    assert "is gone (its chain was deleted or rewritten)" in output


def test_one_flipped_byte_in_an_archived_file_is_found(items: list[EvidenceItem]) -> None:
    item = items[0]
    path = Path(evidence_storage().path(item.storage_name))
    path.chmod(0o640)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))

    ok, output = _verify()

    assert not ok
    assert f"File: item {item.pk}: {item.storage_name} does not match its hash" in output
    assert "Chain breaks" not in output


def test_verification_of_one_case_checks_only_its_items(items: list[EvidenceItem], case: Case) -> None:
    other = evidence_import_file(
        case=Case.objects.create(reference="OTHER-1", title="Other"),
        stream=io.BytesIO(b"other"),
        original_filename="o.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )

    ok, output = _verify("--case", case.reference)

    assert ok, output
    assert "Items checked:  2\n" in output
    assert other.custody_events.count() == 2


def test_an_unknown_case_reference_is_a_clear_error(db: None) -> None:
    ok, output = _verify("--case", "NOPE-1")

    assert not ok
    assert "No case with reference 'NOPE-1'." in output
