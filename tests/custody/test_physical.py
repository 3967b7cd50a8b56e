from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.custody.services import custody_transfer, physical_item_seal, physical_item_store
from apps.evidence.enums import EvidenceKind
from tests.factories import EvidenceItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_transfer_records_both_parties_local_time_reason_and_new_location() -> None:
    fragment = EvidenceItemFactory(kind=EvidenceKind.PHYSICAL, storage_location="Field kit 3")
    officer = UserFactory(username="officer")

    event = custody_transfer(
        item=fragment,
        released_by="O. Kovalenko (investigator)",
        received_by="Evidence room, Kyiv office",
        transferred_at=datetime(2022, 3, 8, 14, 30, tzinfo=ZoneInfo("Europe/Kyiv")),
        reason="Storage pending analysis",
        new_location="Locker B-12",
        actor_user=officer,
    )

    fragment.refresh_from_db()
    assert fragment.storage_location == "Locker B-12"
    assert (event.action, event.actor) == ("custody_transferred", "user:officer")
    assert event.details == {
        "released_by": "O. Kovalenko (investigator)",
        "received_by": "Evidence room, Kyiv office",
        "transferred_at": "2022-03-08T14:30:00+02:00",
        "reason": "Storage pending analysis",
        "location": {"before": "Field kit 3", "after": "Locker B-12"},
    }


def test_a_transfer_time_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        custody_transfer(
            item=EvidenceItemFactory(kind=EvidenceKind.PHYSICAL),
            released_by="a",
            received_by="b",
            transferred_at=datetime(2022, 3, 8, 14, 30),  # noqa: DTZ001 (the point of the test)
            reason="r",
            new_location="l",
            actor_user=UserFactory(),
        )


def test_sealing_and_storing_are_custody_events_with_before_and_after() -> None:
    fragment = EvidenceItemFactory(kind=EvidenceKind.PHYSICAL)
    officer = UserFactory(username="officer")

    sealed = physical_item_seal(item=fragment, seal_numbers="UA-SEAL-0042", actor_user=officer)
    stored = physical_item_store(item=fragment, location="Locker B-12", condition="Bent, rusted", actor_user=officer)
    moved = physical_item_store(item=fragment, location="Lab 2", condition="Bent, rusted", actor_user=officer)

    assert [sealed.sequence, stored.sequence, moved.sequence] == [1, 2, 3]
    assert sealed.details["seal_numbers"] == {"before": "", "after": "UA-SEAL-0042"}
    assert (stored.action, moved.action) == ("physical_stored", "physical_moved")
    assert moved.details["before"] == {"location": "Locker B-12", "condition": "Bent, rusted"}
