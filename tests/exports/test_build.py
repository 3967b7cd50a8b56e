"""Building case bundles: BagIt validity, originals bit for bit, determinism, consent, fixity at export,
custody, signatures, access, and the management commands."""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import bagit
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.enums import CaseRole
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.custody.models import CustodyEvent, IntegrityAlert
from apps.custody.selectors import custody_verify
from apps.demo.services import demo_seed
from apps.evidence.enums import ConsentStatus, EvidenceKind, IntegrityStatus, ReviewStatus
from apps.evidence.models import Derivative, EvidenceItem
from apps.evidence.services import evidence_link_incident
from apps.evidence.storage import digest_stream, evidence_storage, store_content_addressed
from apps.exports.enums import ExportStatus, RecipientType
from apps.exports.keys import public_key_fingerprint, public_key_pem, signing_key_load
from apps.exports.models import ExportBundle
from apps.exports.services import export_bundle_build, export_bundle_create, export_bundle_write, sanitised_name
from tests.exports.conftest import ITEM_FILES, import_item, unzip_bundle
from tests.factories import IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _metadata(bag: Path, name: str) -> Any:
    return json.loads((bag / "data" / "metadata" / f"{name}.json").read_text(encoding="utf-8"))


def test_a_built_bundle_is_a_valid_bag_with_every_original_bit_for_bit(
    built_bundle: ExportBundle, archived_items: list[EvidenceItem], tmp_path: Path
) -> None:
    bag_dir = unzip_bundle(built_bundle, tmp_path / "out")

    bagit.Bag(str(bag_dir)).validate()
    assert built_bundle.status == ExportStatus.DONE
    assert built_bundle.item_count == 3
    assert built_bundle.excluded == []
    for item, (name, data, _type, _kind) in zip(archived_items, ITEM_FILES, strict=True):
        assert (bag_dir / "data" / "evidence" / f"{item.pk}__{sanitised_name(name)}").read_bytes() == data
    assert bag_dir.name == f"{built_bundle.case.reference}_{built_bundle.pk}"


def test_bag_info_names_the_case_recipient_and_key(built_bundle: ExportBundle, tmp_path: Path) -> None:
    bag = bagit.Bag(str(unzip_bundle(built_bundle, tmp_path / "out")))

    info = bag.info
    assert info["Source-Organization"] == "Test Documentation Group"
    assert info["Contact-Name"] == "Olena Test"
    assert info["Contact-Email"] == "exports@example.org"
    assert info["External-Identifier"] == built_bundle.case.reference
    assert info["External-Description"] == built_bundle.case.title
    assert info["Bagging-Date"] == "2024-05-01"
    assert info["Custos-Bagging-Time"] == "2024-05-01T12:30:00.000000Z"
    assert info["Custos-Bundle-Id"] == str(built_bundle.pk)
    assert info["Custos-Recipient-Type"] == "national_prosecutor"
    assert info["Custos-Recipient-Organization"] == "Office of the Prosecutor General"
    assert info["Bag-Software-Agent"] == "Custos 0.1.0"
    fingerprint = (Path(bag.path) / "signature" / "fingerprint.txt").read_text()
    assert info["Custos-Signing-Key-Fingerprint"] + "\n" == fingerprint


def test_zip_entries_are_stored_in_the_fixed_order_with_the_bagging_date(built_bundle: ExportBundle) -> None:
    with evidence_storage().open(built_bundle.storage_name, "rb") as stored, zipfile.ZipFile(stored) as archive:
        infos = archive.infolist()
    top = f"{built_bundle.case.reference}_{built_bundle.pk}/"
    names = [info.filename.removeprefix(top) for info in infos]
    data = [name for name in names if name.startswith("data/")]
    assert names[:2] == ["bagit.txt", "bag-info.txt"]
    assert names[2 : 2 + len(data)] == sorted(data)
    assert names[2 + len(data) :] == [
        "manifest-sha256.txt",
        "manifest-sha512.txt",
        "VERIFY.txt",
        "verify.py",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt",
        "signature/tagmanifest-sha256.txt.sig",
        "signature/public-key.pem",
        "signature/fingerprint.txt",
    ]
    assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
    assert {info.date_time for info in infos} == {(2024, 5, 1, 12, 30, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_the_register_holds_the_zip_size_and_sha256(built_bundle: ExportBundle) -> None:
    with evidence_storage().open(built_bundle.storage_name, "rb") as stored:
        data = stored.read()

    assert built_bundle.storage_name == f"exports/{built_bundle.pk}.zip"
    assert built_bundle.size_bytes == len(data)
    assert built_bundle.sha256 == "sha256:" + hashlib.sha256(data).hexdigest()
    assert built_bundle.progress_done == built_bundle.progress_total > 0
    assert built_bundle.finished_at is not None


def test_items_metadata_and_custody_lines_describe_each_item(
    built_bundle: ExportBundle, archived_items: list[EvidenceItem], tmp_path: Path
) -> None:
    bag = unzip_bundle(built_bundle, tmp_path / "out")
    items = _metadata(bag, "items")

    assert [entry["id"] for entry in items] == [str(item.pk) for item in archived_items]
    first, item = items[0], archived_items[0]
    assert first["reference"] == item.reference
    assert first["path"] == f"data/evidence/{item.pk}__photo_1.jpg"
    assert first["sha256"] == item.sha256
    assert first["sha512"] == item.sha512
    assert first["size_bytes"] == item.size_bytes
    assert first["pending"] is False
    lines = (bag / "data" / "custody" / f"{item.pk}.jsonl").read_text(encoding="utf-8").splitlines()
    events = list(CustodyEvent.objects.filter(item=item, action__in=["received", "archived", "incident_linked"]))
    assert [json.loads(line)["event_hash"] for line in lines] == [event.event_hash for event in events]
    assert first["custody_head"] == {"sequence": 3, "event_hash": events[-1].event_hash}
    assert sorted(path.name for path in (bag / "data" / "metadata").iterdir()) == sorted(
        [f"{name}.json" for name in ("case", "incidents", "sources", "allegations", "weapons")]
        + [f"{name}.csv" for name in ("incidents", "sources", "allegations", "weapons")]
        + [f"{name}.{ext}" for name in ("casualty_figures", "items", "excluded") for ext in ("json", "csv")]
    )


def test_sanitised_names_keep_letters_and_never_make_paths() -> None:
    assert sanitised_name("../звіт/report.pdf") == "_._звіт_report.pdf"
    assert sanitised_name(".hidden") == "_hidden"
    assert sanitised_name("") == "file"
    assert sanitised_name("a\\x00b c?.jpg") == "a_x00b_c_.jpg"
    assert sanitised_name("x" * 150 + ".jpeg") == "x" * 95 + ".jpeg"


def test_same_state_and_bagging_date_give_identical_bytes(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    bundle = make_bundle(include_pending=True)
    first, second = io.BytesIO(), io.BytesIO()

    export_bundle_write(bundle=bundle, out=first)
    export_bundle_write(bundle=bundle, out=second)
    built = export_bundle_build(bundle_id=bundle.pk)

    assert first.getvalue() == second.getvalue()
    with evidence_storage().open(built.storage_name, "rb") as stored:
        assert stored.read() == first.getvalue()
    assert built.sha256 == "sha256:" + hashlib.sha256(first.getvalue()).hexdigest()


def test_an_item_is_exported_once_with_an_exported_custody_event_and_chains_still_verify(
    built_bundle: ExportBundle, archived_items: list[EvidenceItem], case: Case
) -> None:
    for item in archived_items:
        last = CustodyEvent.objects.filter(item=item).order_by("-sequence").first()
        assert last is not None
        assert last.action == CustodyAction.EXPORTED
        assert last.sequence == 4
        assert last.actor_user == built_bundle.requested_by
        assert last.details == {
            "bundle": str(built_bundle.pk),
            "recipient_type": "national_prosecutor",
            "sha256": built_bundle.sha256,
        }
    assert custody_verify(case=case).ok


def test_a_second_build_of_a_done_bundle_changes_nothing(built_bundle: ExportBundle) -> None:
    events = CustodyEvent.objects.count()

    again = export_bundle_build(bundle_id=built_bundle.pk)

    assert again.sha256 == built_bundle.sha256
    assert CustodyEvent.objects.count() == events


@pytest.mark.parametrize(
    ("recipient_type", "field"),
    [
        (RecipientType.NATIONAL_PROSECUTOR, "may_share_national_prosecutor"),
        (RecipientType.ICC, "may_share_icc"),
        (RecipientType.OTHER_COURT, "may_share_other_courts"),
        (RecipientType.MEDIA, "may_share_media"),
        (RecipientType.PUBLIC, "may_share_public"),
    ],
)
def test_an_item_not_cleared_for_the_recipient_type_is_left_out_with_the_reason(
    make_bundle: Any,
    archived_items: list[EvidenceItem],
    signing_key: Ed25519PrivateKey,
    tmp_path: Path,
    recipient_type: str,
    field: str,
) -> None:
    cleared = dict.fromkeys(("may_share_media", "may_share_public"), True)
    EvidenceItem.objects.filter(case=archived_items[0].case).update(**cleared)
    EvidenceItem.objects.filter(pk=archived_items[1].pk).update(**{field: False}, consent_note="Name: Ivan P.")

    bundle = export_bundle_build(bundle_id=make_bundle(recipient_type=recipient_type).pk)

    reason = f"not cleared for sharing with this recipient type ({recipient_type})"
    assert bundle.status == ExportStatus.DONE
    assert bundle.item_count == 2
    assert bundle.excluded == [{"item": str(archived_items[1].pk), "reason": reason}]
    bag = unzip_bundle(bundle, tmp_path / "out")
    bagit.Bag(str(bag)).validate()
    assert _metadata(bag, "excluded") == bundle.excluded
    assert not list((bag / "data" / "evidence").glob(f"{archived_items[1].pk}__*"))
    assert str(archived_items[1].pk) not in {entry["id"] for entry in _metadata(bag, "items")}
    assert b"Ivan" not in b"".join(path.read_bytes() for path in bag.rglob("*") if path.is_file())


def test_refused_consent_leaves_an_item_out_whatever_its_sharing_flags(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey
) -> None:
    EvidenceItem.objects.filter(pk=archived_items[2].pk).update(consent_status=ConsentStatus.REFUSED)

    bundle = export_bundle_build(bundle_id=make_bundle(recipient_type=RecipientType.ICC).pk)

    assert bundle.item_count == 2
    assert bundle.excluded == [{"item": str(archived_items[2].pk), "reason": "consent refused"}]
    assert not CustodyEvent.objects.filter(item=archived_items[2], action=CustodyAction.EXPORTED).exists()


def test_pending_items_are_left_out_by_default(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey
) -> None:
    EvidenceItem.objects.filter(pk=archived_items[0].pk).update(review_status=ReviewStatus.IN_REVIEW)
    EvidenceItem.objects.filter(pk=archived_items[1].pk).update(review_status=ReviewStatus.REJECTED)

    bundle = export_bundle_build(bundle_id=make_bundle().pk)

    assert bundle.item_count == 1
    assert bundle.excluded == sorted(
        [
            {"item": str(archived_items[0].pk), "reason": "not approved yet (review status: in_review)"},
            {"item": str(archived_items[1].pk), "reason": "rejected in review"},
        ],
        key=lambda entry: entry["item"],
    )


def test_pending_items_are_included_and_marked_with_the_option(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    EvidenceItem.objects.filter(pk=archived_items[0].pk).update(review_status=ReviewStatus.SUBMITTED)

    bundle = export_bundle_build(bundle_id=make_bundle(include_pending=True).pk)

    assert bundle.item_count == 3
    items = _metadata(unzip_bundle(bundle, tmp_path / "out"), "items")
    assert {entry["id"]: entry["pending"] for entry in items} == {
        str(archived_items[0].pk): True,
        str(archived_items[1].pk): False,
        str(archived_items[2].pk): False,
    }


def test_a_flipped_byte_in_a_stored_original_aborts_the_export(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey
) -> None:
    target = archived_items[1]
    path = Path(evidence_storage().path(target.storage_name))
    path.chmod(0o640)
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    bundle = make_bundle()

    built = export_bundle_build(bundle_id=bundle.pk)

    assert built.status == ExportStatus.FAILED
    assert built.error.startswith(f"Evidence item {target.reference} does not match its recorded hashes")
    assert built.storage_name == ""
    assert list(Path(evidence_storage().path("exports")).iterdir()) == []
    assert not CustodyEvent.objects.filter(action=CustodyAction.EXPORTED).exists()
    alert = IntegrityAlert.objects.get()
    assert (alert.item, alert.problem) == (target, "mismatch")
    target.refresh_from_db()
    assert target.integrity_status == IntegrityStatus.FAILED
    last = CustodyEvent.objects.filter(item=target).order_by("-sequence").first()
    assert last is not None
    assert last.action == CustodyAction.FIXITY_FAILED


def test_a_missing_signing_key_fails_the_export_with_the_remedy(
    make_bundle: Any, archived_items: list[EvidenceItem], settings: Any, tmp_path: Path
) -> None:
    settings.EXPORT_SIGNING_KEY_FILE = tmp_path / "nowhere.pem"

    built = export_bundle_build(bundle_id=make_bundle().pk)

    assert built.status == ExportStatus.FAILED
    assert "python manage.py keys generate" in built.error


def test_the_signature_verifies_with_the_public_key(
    built_bundle: ExportBundle, signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    bag = unzip_bundle(built_bundle, tmp_path / "out")
    signature = (bag / "signature" / "tagmanifest-sha256.txt.sig").read_bytes()
    included = serialization.load_pem_public_key((bag / "signature" / "public-key.pem").read_bytes())

    assert isinstance(included, Ed25519PublicKey)
    assert included.public_bytes_raw() == signing_key.public_key().public_bytes_raw()
    included.verify(signature, (bag / "tagmanifest-sha256.txt").read_bytes())  # raises if it does not verify
    assert len(signature) == 64


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_signature_verifies_with_openssl(built_bundle: ExportBundle, tmp_path: Path) -> None:
    bag = unzip_bundle(built_bundle, tmp_path / "out")
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signature/public-key.pem", "-rawin",
        "-in", "tagmanifest-sha256.txt", "-sigfile", "signature/tagmanifest-sha256.txt.sig",
    ]  # fmt: skip

    good = subprocess.run(command, cwd=bag, capture_output=True, text=True, check=False)
    (bag / "tagmanifest-sha256.txt").write_text("tampered\n")
    bad = subprocess.run(command, cwd=bag, capture_output=True, text=True, check=False)

    assert (good.returncode, good.stdout.strip()) == (0, "Signature Verified Successfully")
    assert bad.returncode == 1


@pytest.mark.parametrize("role", [CaseRole.INVESTIGATOR, CaseRole.REVIEWER, CaseRole.OBSERVER])
def test_only_a_lead_may_create_an_export(case: Case, role: CaseRole) -> None:
    member = MembershipFactory(case=case, role=role).user

    with pytest.raises(PermissionDenied):
        export_bundle_create(
            case=case,
            requested_by=member,
            recipient_type=RecipientType.ICC,
            recipient_organisation="ICC OTP",
            recipient_person="",
            purpose="",
        )
    assert ExportBundle.objects.count() == 0


def test_a_lead_of_another_case_may_not_export_this_one(case: Case) -> None:
    other_lead = MembershipFactory(role=CaseRole.LEAD).user

    with pytest.raises(PermissionDenied):
        export_bundle_create(
            case=case,
            requested_by=other_lead,
            recipient_type=RecipientType.ICC,
            recipient_organisation="",
            recipient_person="",
            purpose="",
        )


def test_a_new_export_is_pending_and_enqueued_on_commit(
    case: Case, lead: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bundle = export_bundle_create(
            case=case,
            requested_by=lead,
            recipient_type=RecipientType.ICC,
            recipient_organisation="ICC OTP",
            recipient_person="",
            purpose="",
        )

    assert bundle.status == ExportStatus.PENDING
    assert len(callbacks) == 1


@override_settings(DEBUG=True, CUSTOS_DEMO_PASSWORD="")
def test_the_demo_case_exports_to_a_valid_bag_through_the_command(signing_key: Any, tmp_path: Path) -> None:
    case = demo_seed().case
    EvidenceItem.objects.filter(case=case).update(review_status=ReviewStatus.APPROVED)
    out = io.StringIO()

    call_command("export_bundle", case.reference, "--out", str(tmp_path), "--purpose", "Demo\nhand-over", stdout=out)

    bundle = ExportBundle.objects.get()
    written = tmp_path / f"{case.reference}_{bundle.pk}.zip"
    assert out.getvalue().splitlines()[-1] == f"Written to {written} ({bundle.size_bytes} bytes, {bundle.sha256})."
    assert bundle.requested_by.username == "lead"
    with zipfile.ZipFile(written) as archive:
        archive.extractall(tmp_path / "bag")
    bag = bagit.Bag(str(tmp_path / "bag" / f"{case.reference}_{bundle.pk}"))
    bag.validate()
    assert "Custos-Purpose: Demo\n  hand-over\n" in Path(bag.path, "bag-info.txt").read_text()  # folded (RFC 8493)
    assert bag.info["Custos-Purpose"] == "Demo  hand-over"
    assert bundle.item_count == EvidenceItem.objects.filter(case=case).count() == 1
    assert len(_metadata(Path(bag.path), "incidents")) == 2
    assert len(_metadata(Path(bag.path), "allegations")) == 3
    assert len(_metadata(Path(bag.path), "casualty_figures")) == 3
    sources = _metadata(Path(bag.path), "sources")
    assert len(sources) == 6
    assert not any("witness_name" in source or "witness_contact" in source for source in sources)


def test_a_generated_case_exported_for_one_incident_holds_only_its_items(
    case: Case, lead: Any, signing_key: Any, tmp_path: Path
) -> None:
    rng = random.Random(8)  # noqa: S311 (reproducible test data, not secrets)
    first, second = IncidentFactory(case=case), IncidentFactory(case=case)
    items = []
    for number in range(10):
        data = rng.randbytes(rng.randrange(0, 300_000))
        item = import_item(case, f"file {number}.bin", data, "application/octet-stream", EvidenceKind.OTHER_DIGITAL)
        evidence_link_incident(item=item, incident=first if number % 3 else second, actor_system="system:test")
        items.append((item, data))

    call_command(
        "export_bundle",
        case.reference,
        "--out",
        str(tmp_path / "bundle.zip"),
        "--incident",
        str(first.pk),
        "--recipient-type",
        "icc",
        stdout=io.StringIO(),
    )

    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        archive.extractall(tmp_path / "bag")
    bag = next((tmp_path / "bag").iterdir())
    bagit.Bag(str(bag)).validate()
    expected = {item.pk: data for item, data in items if item.incidents.filter(pk=first.pk).exists()}
    assert len(expected) == 6
    assert ExportBundle.objects.get().item_count == 6
    for item_id, data in expected.items():
        (stored,) = (bag / "data" / "evidence").glob(f"{item_id}__*")
        assert stored.read_bytes() == data
    assert [entry["id"] for entry in _metadata(bag, "incidents")] == [str(first.pk)]


def test_the_export_command_refuses_a_non_lead_and_an_unknown_case(
    case: Case, signing_key: Any, tmp_path: Path
) -> None:
    investigator = MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user

    with pytest.raises(CommandError, match=f"{investigator.username} is not a lead of {case.reference}"):
        call_command("export_bundle", case.reference, "--out", str(tmp_path), "--requested-by", investigator.username)
    with pytest.raises(CommandError, match="No case with reference 'NOPE-1'"):
        call_command("export_bundle", "NOPE-1", "--out", str(tmp_path))
    assert ExportBundle.objects.count() == 0


def test_keys_generate_writes_a_new_ed25519_key_and_never_overwrites(tmp_path: Path) -> None:
    out = io.StringIO()

    call_command("keys", "generate", "--out", str(tmp_path / "keys"), stdout=out)

    path = tmp_path / "keys" / "export-signing-key.pem"
    key = signing_key_load(path)
    assert out.getvalue().splitlines()[2] == f"Fingerprint: {public_key_fingerprint(key.public_key())}"
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="already exists"):
        call_command("keys", "generate", "--out", str(tmp_path / "keys"), stdout=io.StringIO())
    assert signing_key_load(path).private_bytes_raw() == key.private_bytes_raw()


def test_keys_show_prints_the_configured_public_key(signing_key: Ed25519PrivateKey) -> None:
    out = io.StringIO()

    call_command("keys", "show", stdout=out)

    fingerprint = public_key_fingerprint(signing_key.public_key())
    assert out.getvalue() == f"Fingerprint: {fingerprint}\n" + public_key_pem(signing_key.public_key()).decode()


def test_the_bundled_verify_py_passes_on_a_built_bundle(built_bundle: ExportBundle, tmp_path: Path) -> None:
    bag = unzip_bundle(built_bundle, tmp_path / "out")

    result = subprocess.run([sys.executable, "verify.py", "."], cwd=bag, capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stdout + result.stderr


def test_derivatives_are_included_only_with_the_option(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    jpeg = b"\xff\xd8\xff\xe0 thumbnail bytes"
    digests = digest_stream(io.BytesIO(jpeg))
    name = store_content_addressed(stream=io.BytesIO(jpeg), digests=digests, prefix="derivatives")
    item = archived_items[0]
    Derivative.objects.create(
        item=item, kind="thumbnail", storage_name=name, sha256=digests.sha256, size_bytes=len(jpeg),
        content_type="image/jpeg", width=10, height=10, tool="test",
    )  # fmt: skip

    without = export_bundle_build(bundle_id=make_bundle().pk)
    with_them = export_bundle_build(bundle_id=make_bundle(include_derivatives=True).pk)

    assert not (unzip_bundle(without, tmp_path / "a") / "data" / "derivatives").exists()
    bag = unzip_bundle(with_them, tmp_path / "b")
    bagit.Bag(str(bag)).validate()
    assert (bag / "data" / "derivatives" / f"{item.pk}__thumbnail.jpg").read_bytes() == jpeg
    assert _metadata(bag, "items")[0]["derivatives"] == [f"data/derivatives/{item.pk}__thumbnail.jpg"]


def test_the_checkpoint_names_only_this_bundles_chains(
    make_bundle: Any, archived_items: list[EvidenceItem], signing_key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    from apps.custody.services import custody_checkpoint_create  # noqa: PLC0415
    from tests.factories import CaseFactory  # noqa: PLC0415

    foreign = import_item(CaseFactory(reference="OTHER-0001"), "other.txt", b"another case", "text/plain", "document")
    custody_checkpoint_create(force=True)

    bundle = export_bundle_build(bundle_id=make_bundle().pk)
    bag = unzip_bundle(bundle, tmp_path)
    checkpoint = json.loads((bag / "data" / "custody" / "checkpoint.json").read_text(encoding="utf-8"))

    assert sorted(leaf["item_id"] for leaf in checkpoint["leaves"]) == sorted(str(item.pk) for item in archived_items)
    assert len(checkpoint["leaf_hashes"]) == checkpoint["leaf_count"] == 4
    assert not any(str(foreign.pk) in path.read_text(errors="ignore") for path in bag.rglob("*") if path.is_file())
    assert bagit.Bag(str(bag)).is_valid()


def test_a_finished_bundle_notifies_its_lead_and_its_report_names_the_recipient(
    built_bundle: ExportBundle, tmp_path: Path
) -> None:
    from apps.comments.models import Notification  # noqa: PLC0415

    bag = unzip_bundle(built_bundle, tmp_path)
    report = (bag / "data" / "report" / "index.html").read_text(encoding="utf-8")

    assert list(Notification.objects.values_list("recipient_id", "kind")) == [
        (built_bundle.requested_by_id, "export_ready")
    ]
    assert ("Office of the Prosecutor General" in report, "Criminal proceedings no. 12022100000000123" in report) == (
        True,
        True,
    )
