import hashlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from apps.custody.enums import CustodyAction
from apps.custody.merkle import leaf_hash, merkle_root
from apps.custody.selectors import checkpoint_leaves
from apps.custody.services import custody_checkpoint_create, custody_record
from tests.custody.tsa import LocalTsa, openssl_ts_verify
from tests.factories import EvidenceItemFactory

pytestmark = pytest.mark.django_db


def _two_chains() -> list[tuple[str, int]]:
    """Two items, with two and one events: their expected chain heads (item id, sequence), sorted."""
    items = [EvidenceItemFactory(), EvidenceItemFactory()]
    for item in items:
        custody_record(item=item, action=CustodyAction.RECEIVED, actor_system="system:test/1")
    custody_record(item=items[0], action=CustodyAction.VIEWED, actor_system="system:test/1")
    return sorted([(str(items[0].pk), 2), (str(items[1].pk), 1)])


def test_the_merkle_root_follows_rfc_6962() -> None:
    leaves = [("a", 1, "sha256:x"), ("b", 2, "sha256:y"), ("c", 3, "sha256:z")]
    a, b, c = (leaf_hash(leaf) for leaf in leaves)
    left = hashlib.sha256(b"\x01" + a + b).digest()
    expected = hashlib.sha256(b"\x01" + left + c).hexdigest()

    assert merkle_root(leaves) == "sha256:" + expected
    assert merkle_root([]) == "sha256:" + hashlib.sha256(b"").hexdigest()


@override_settings(CUSTODY_TSA_URL="")
def test_without_a_tsa_checkpoints_are_made_and_say_they_are_untimestamped() -> None:
    heads = _two_chains()
    out = io.StringIO()

    call_command("custody_checkpoint", stdout=out)

    checkpoint = custody_checkpoint_create()  # nothing changed: the same checkpoint
    assert (checkpoint.leaf_count, checkpoint.event_count, checkpoint.is_timestamped) == (2, 3, False)
    assert [(item_id, sequence) for item_id, sequence, _hash in checkpoint_leaves(checkpoint)] == heads
    assert merkle_root(checkpoint_leaves(checkpoint)) == checkpoint.root_hash
    assert "untimestamped (no TSA configured)" in out.getvalue()


def test_a_new_event_makes_a_new_checkpoint_with_another_root() -> None:
    _two_chains()
    first = custody_checkpoint_create()

    custody_record(item=EvidenceItemFactory(), action=CustodyAction.RECEIVED, actor_system="system:test/1")
    second = custody_checkpoint_create()

    assert second.pk != first.pk
    assert second.root_hash != first.root_hash
    assert second.leaf_count == 3


def test_a_checkpoint_root_is_timestamped_by_the_tsa_and_openssl_accepts_the_token(
    tsa: LocalTsa, tmp_path: Path
) -> None:
    _two_chains()

    with override_settings(CUSTODY_TSA_URL=tsa.url):
        checkpoint = custody_checkpoint_create()

    assert checkpoint.is_timestamped
    assert checkpoint.tsa_error == ""
    assert checkpoint.tsa_time is not None
    assert abs(checkpoint.tsa_time - timezone.now()) < timedelta(minutes=1)
    assert len(tsa.requests_served) == 1
    verified = openssl_ts_verify(
        data=checkpoint.root_hash.encode("ascii"),
        response_der=bytes(checkpoint.tsa_response or b""),
        tsa=tsa,
        workdir=tmp_path,
    )
    assert verified.returncode == 0, verified.stderr
    assert "Verification: OK" in verified.stdout
    forged = openssl_ts_verify(
        data=b"sha256:" + b"0" * 64, response_der=bytes(checkpoint.tsa_response or b""), tsa=tsa, workdir=tmp_path
    )
    assert forged.returncode != 0


def test_when_the_tsa_is_unreachable_the_checkpoint_is_kept_with_the_reason() -> None:
    _two_chains()

    with override_settings(CUSTODY_TSA_URL="http://127.0.0.1:9/tsa"):
        checkpoint = custody_checkpoint_create()

    assert checkpoint.is_timestamped is False
    assert checkpoint.tsa_error.startswith("the TSA at http://127.0.0.1:9/tsa did not answer:")
    assert checkpoint.leaf_count == 2
