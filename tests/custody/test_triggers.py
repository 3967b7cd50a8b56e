import pytest
from django.db import DatabaseError, connection, transaction

from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.services import custody_checkpoint_create, custody_record
from tests.factories import EvidenceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> CustodyEvent:
    return custody_record(item=EvidenceItemFactory(), action=CustodyAction.RECEIVED, actor_system="system:test/1")


def _raw(sql: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_raw_sql_cannot_update_a_custody_event(event: CustodyEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE custody_custodyevent SET action = 'downloaded'")

    assert CustodyEvent.objects.get(pk=event.pk).action == "received"


def test_raw_sql_cannot_delete_a_custody_event(event: CustodyEvent) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM custody_custodyevent WHERE id = %s", [event.pk])

    assert CustodyEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_cannot_rewrite_a_checkpoint(event: CustodyEvent) -> None:
    checkpoint = custody_checkpoint_create()

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE custody_custodycheckpoint SET root_hash = 'sha256:forged'")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM custody_custodycheckpoint")

    checkpoint.refresh_from_db()
    assert checkpoint.root_hash.startswith("sha256:")
    assert checkpoint.root_hash != "sha256:forged"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.usefixtures("custody_transactional_db")
def test_raw_sql_cannot_truncate_the_custody_table() -> None:
    # Committed rows: inside a test's own transaction PostgreSQL would refuse
    # TRUNCATE for pending foreign-key checks, whatever the trigger says.
    custody_record(item=EvidenceItemFactory(), action=CustodyAction.RECEIVED, actor_system="system:test/1")

    with pytest.raises(DatabaseError, match="append-only"):
        _raw("TRUNCATE custody_custodyevent CASCADE")

    assert CustodyEvent.objects.count() == 1


def test_inserting_new_events_is_still_allowed(event: CustodyEvent) -> None:
    custody_record(item=event.item, action=CustodyAction.VIEWED, actor_system="system:test/1")

    assert list(CustodyEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]
