import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.enums import CaseRole
from apps.cases.models import Case
from apps.custody.models import CustodyEvent, IntegrityAlert
from apps.custody.services import ThrottledReader, fixity_check_item, fixity_items_due, fixity_run
from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.evidence.services import evidence_import_file
from apps.evidence.storage import evidence_storage
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _archived(case: Case, content: bytes) -> EvidenceItem:
    return evidence_import_file(
        case=case,
        stream=io.BytesIO(content),
        original_filename="f.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
    )


def _flip_first_byte(item: EvidenceItem) -> None:
    path = Path(evidence_storage().path(item.storage_name))
    path.chmod(0o640)
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))


def test_an_intact_original_passes_and_the_check_is_in_custody(case: Case) -> None:
    item = _archived(case, b"intact bytes")

    result = fixity_check_item(item_id=item.pk)

    item.refresh_from_db()
    assert (result.passed, item.integrity_status) == (True, "intact")
    assert item.last_fixity_check_at is not None
    event = item.custody_events.get(sequence=3)
    assert (event.action, event.actor) == ("fixity_passed", "system:fixity/0.1.0")
    assert event.details["found"]["sha256"] == item.sha256
    assert IntegrityAlert.objects.count() == 0


def test_a_changed_original_fails_raises_an_alert_and_emails_leads_and_admins(
    case: Case, django_capture_on_commit_callbacks: Any
) -> None:
    MembershipFactory(case=case, role=CaseRole.LEAD, user__email="lead@example.org")
    MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user__email="investigator@example.org")
    UserFactory(username="root", email="admin@example.org", is_superuser=True)
    item = _archived(case, b"original bytes")
    _flip_first_byte(item)

    with django_capture_on_commit_callbacks(execute=True):
        result = fixity_check_item(item_id=item.pk)

    item.refresh_from_db()
    assert (result.passed, result.problem, item.integrity_status) == (False, "mismatch", "failed")
    event = CustodyEvent.objects.get(item=item, action="fixity_failed")
    assert event.details["expected"]["sha256"] == item.sha256
    assert event.details["found"]["sha256"] != item.sha256
    alert = IntegrityAlert.objects.get()
    assert (alert.item_id, alert.problem, alert.resolved_at) == (item.pk, "mismatch", None)
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["admin@example.org", "lead@example.org"]
    assert mail.outbox[0].subject == f"[Custos] Integrity failure: {item.reference}"


def test_a_missing_original_fails_as_missing(case: Case) -> None:
    item = _archived(case, b"soon gone")
    Path(evidence_storage().path(item.storage_name)).unlink()

    result = fixity_check_item(item_id=item.pk)

    assert (result.passed, result.problem) == (False, "missing")
    assert IntegrityAlert.objects.get().problem == "missing"


@override_settings(FIXITY_CYCLE_DAYS=30, FIXITY_RUN_INTERVAL_SECONDS=24 * 60 * 60)
def test_batches_spread_the_cycle_evenly_oldest_check_first(case: Case) -> None:
    items = [_archived(case, f"item {n}".encode()) for n in range(31)]
    for item in items[:29]:
        fixity_check_item(item_id=item.pk)

    # 31 items, one run a day, a 30-day cycle: two items a run, never-checked first.
    due = fixity_items_due()

    assert due == [items[29].pk, items[30].pk]
    fixity_run()
    assert fixity_items_due() == [items[0].pk, items[1].pk]


def test_fixity_check_command_checks_all_and_fails_loudly(case: Case) -> None:
    good, bad = _archived(case, b"good"), _archived(case, b"bad")
    _flip_first_byte(bad)
    out = io.StringIO()

    with pytest.raises(CommandError, match="Fixity check FAILED"):
        call_command("fixity_check", "--all", "--case", case.reference, stdout=out)

    assert "Checked 2 original(s); 1 failed." in out.getvalue()
    assert f"{bad.pk}: mismatch" in out.getvalue()
    assert EvidenceItem.objects.get(pk=good.pk).integrity_status == "intact"


def test_reads_are_throttled_to_the_configured_rate() -> None:
    reader = ThrottledReader(io.BytesIO(b"x" * 1_000_000), max_bytes_per_second=4_000_000)
    started = time.monotonic()

    while reader.read(100_000):
        pass

    # A lower bound only: a busy machine makes it slower, never faster.
    assert time.monotonic() - started >= 0.24
