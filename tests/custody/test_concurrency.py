"""Concurrent appends to one chain: never a fork, never a gap (issue: 8 threads x 200 events on PostgreSQL)."""

import threading

import pytest
from django.db import connection

from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_verify
from apps.custody.services import custody_record
from tests.factories import EvidenceItemFactory

THREADS = 8
APPENDS_PER_THREAD = 200

pytestmark = [
    pytest.mark.usefixtures("custody_transactional_db"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
]


def test_eight_threads_appending_to_one_item_never_fork_or_leave_gaps() -> None:
    item = EvidenceItemFactory()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def append(worker: int) -> None:
        try:
            start.wait()
            for n in range(APPENDS_PER_THREAD):
                custody_record(
                    item=item,
                    action=CustodyAction.VIEWED,
                    actor_system=f"system:writer-{worker}/1",
                    details={"n": n},
                )
        except BaseException as error:  # noqa: BLE001 (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = list(CustodyEvent.objects.filter(item=item).order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS * APPENDS_PER_THREAD + 1))
    prev_hashes = CustodyEvent.objects.filter(item=item).values_list("prev_hash", flat=True)
    assert len(set(prev_hashes)) == THREADS * APPENDS_PER_THREAD  # no two events extend the same head
    report = custody_verify(item_id=item.pk)
    assert (report.ok, report.events_checked) == (True, THREADS * APPENDS_PER_THREAD)
