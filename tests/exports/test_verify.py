"""Verification of bundles: the bundle's own verify.py (run as a script) and `manage.py verify_bundle`.

Each tampering is applied to a good bag and checked in both forms a recipient may hold: the ZIP as
delivered and the unzipped folder. The expected report lines are exact, so a test also proves that the
report names the problem (and only it).
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.custody.services import custody_checkpoint_create
from apps.evidence.models import EvidenceItem
from apps.evidence.storage import evidence_storage
from apps.exports.keys import public_key_fingerprint, public_key_pem
from apps.exports.models import ExportBundle
from tests.exports.bagmaker import (
    ITEM_IDS,
    TOP,
    make_bag,
    write_manifests,
    zip_bag,
)
from tests.exports.conftest import unzip_bundle

CRATER = f"data/evidence/{ITEM_IDS[0]}__crater.jpg"
STATEMENT = f"data/evidence/{ITEM_IDS[1]}__свідчення.txt"
CHAIN_1 = f"data/custody/{ITEM_IDS[0]}.jsonl"
OPENSSL_LINE = (
    "openssl pkeyutl -verify -pubin -inkey signature/public-key.pem -rawin "
    "-in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig"
)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def bag(tmp_path: Path, key: Ed25519PrivateKey) -> Path:
    return make_bag(tmp_path / "made", key)


@pytest.fixture(params=["zip", "folder"])
def form(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def deliver(bag: Path, form: str) -> Path:
    """The bag as the recipient holds it: the ZIP (made after any tampering) or the folder."""
    return zip_bag(bag, bag.parent / "bundle.zip") if form == "zip" else bag


def run_script(target: Path) -> tuple[int, list[str], str]:
    """Run the bundle's own verify.py with this Python, as a recipient would: exit status, FAIL lines, output.

    For a folder, the copy of verify.py inside the bag checks its own bag (no argument); for a ZIP,
    the verify.py taken out of that ZIP is given the ZIP's path.
    """
    if target.is_dir():
        command = [sys.executable, str(target / "verify.py")]
    else:
        script = target.parent / "extracted-verify.py"
        with zipfile.ZipFile(target) as archive:
            inside = next(name for name in archive.namelist() if name.count("/") == 1 and name.endswith("/verify.py"))
            script.write_bytes(archive.read(inside))
        command = [sys.executable, str(script), str(target)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=target.parent, timeout=60)
    assert done.stderr == ""
    return done.returncode, fail_lines(done.stdout), done.stdout


def run_command(target: Path, *, public_key: Path | None = None) -> tuple[bool, list[str], str]:
    """`manage.py verify_bundle`: whether it passed, its FAIL lines, its output."""
    out = io.StringIO()
    options = {"public_key": public_key} if public_key else {}
    error = ""
    try:
        call_command("verify_bundle", str(target), stdout=out, no_color=True, **options)
    except CommandError as raised:
        error = str(raised)
    failures = fail_lines(out.getvalue())
    assert error == (f"Bundle verification FAILED: {len(failures)} problem(s)." if failures else "")
    return not error, failures, out.getvalue()


def fail_lines(output: str) -> list[str]:
    return [line.removeprefix("FAIL  ") for line in output.splitlines() if line.startswith("FAIL  ")]


def edit_chain_line(bag: Path, *, old: str, new: str) -> None:
    path = bag / CHAIN_1
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- A good bundle --------------------------------------------------------------------------------------


def test_good_bundle_passes_verify_py_and_names_the_openssl_command(bag: Path, form: str) -> None:
    status, failures, output = run_script(deliver(bag, form))

    assert (status, failures) == (0, [])
    assert "OK    manifests: 9 of 9 payload files match SHA-256 and SHA-512\n" in output
    assert "OK    tag manifests: 6 of 6 tag files match SHA-256 and SHA-512\n" in output
    assert "OK    custody chains: 2 chains, 6 events, every hash and link checked\n" in output
    assert f"    {OPENSSL_LINE}\n" in output
    assert output.endswith("RESULT: PASSED - every check above holds.\n")


def test_good_bundle_passes_verify_bundle_with_the_included_key(bag: Path, form: str, key: Ed25519PrivateKey) -> None:
    passed, failures, output = run_command(deliver(bag, form))

    assert (passed, failures) == (True, [])
    fingerprint = public_key_fingerprint(key.public_key())
    assert f"OK    signature: valid, checked against the key included in the bundle ({fingerprint})\n" in output
    assert output.endswith("Bundle verification passed.\n")


def test_verify_bundle_checks_against_a_given_key(bag: Path, key: Ed25519PrivateKey, tmp_path: Path) -> None:
    published = tmp_path / "published.pem"
    published.write_bytes(public_key_pem(key.public_key()))

    passed, _, output = run_command(bag, public_key=published)

    assert passed is True
    fingerprint = public_key_fingerprint(key.public_key())
    assert f"OK    signature: valid, checked against the given key ({fingerprint})\n" in output


def test_good_bundle_is_a_valid_bag_for_the_library_of_congress_validator(bag: Path) -> None:
    bagit.Bag(str(bag)).validate()


# --- Tampering: each one fails both verifiers, and the report names it -----------------------------------


def test_one_flipped_byte_in_a_payload_file_fails(bag: Path, form: str) -> None:
    data = bytearray((bag / CRATER).read_bytes())
    data[100] ^= 0x01
    (bag / CRATER).write_bytes(bytes(data))
    expected = [
        f"{CRATER}: sha256 does not match the manifest (the file was changed)",
        f"{CRATER}: sha512 does not match the manifest (the file was changed)",
    ]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_one_flipped_byte_inside_the_zip_fails_as_a_damaged_entry(bag: Path) -> None:
    target = zip_bag(bag, bag.parent / "bundle.zip")
    data = bytearray(target.read_bytes())
    offset = data.index(b"photo of the crater")
    data[offset] ^= 0x01
    target.write_bytes(bytes(data))

    status, failures, _ = run_script(target)

    assert status == 1
    assert failures == [
        f"{CRATER}: cannot be read, the file is damaged or was changed (Bad CRC-32 for file '{TOP}/{CRATER}')"
    ]
    assert run_command(target)[:2] == (False, failures)


def test_a_removed_payload_file_fails(bag: Path, form: str) -> None:
    size = (bag / STATEMENT).stat().st_size
    (bag / STATEMENT).unlink()
    expected = [
        f"Payload-Oxum: bag-info.txt says 5854.9, data/ holds {5854 - size}.8 (octets.files)",
        f"{STATEMENT}: listed in manifest-sha256.txt but missing (a file was removed)",
        f"{STATEMENT}: listed in manifest-sha512.txt but missing (a file was removed)",
    ]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_an_added_payload_file_fails(bag: Path, form: str) -> None:
    (bag / "data" / "evidence" / "planted.jpg").write_bytes(b"x" * 47)
    expected = [
        "Payload-Oxum: bag-info.txt says 5854.9, data/ holds 5901.10 (octets.files)",
        "data/evidence/planted.jpg: present but not in manifest-sha256.txt (a file was added)",
        "data/evidence/planted.jpg: present but not in manifest-sha512.txt (a file was added)",
        "data/evidence/planted.jpg: an evidence file that no item in items.json claims",
    ]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_an_added_tag_file_fails(bag: Path, form: str) -> None:
    (bag / "README.txt").write_text("trust me\n")
    expected = ["README.txt: not listed in the tag manifests (an added file)"]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_an_edited_custody_line_fails_on_the_manifest_and_the_chain(bag: Path, form: str) -> None:
    edit_chain_line(bag, old="крок 2", new="крок 9")
    expected = [
        f"{CHAIN_1}: sha256 does not match the manifest (the file was changed)",
        f"{CHAIN_1}: sha512 does not match the manifest (the file was changed)",
        f"{CHAIN_1} line 2: the event's content does not match its event_hash (the event was edited)",
    ]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_an_edited_custody_line_with_manifests_recomputed_is_caught_by_the_chain(
    bag: Path, form: str, key: Ed25519PrivateKey
) -> None:
    """The attacker re-computes every manifest but cannot sign with the organisation's key: verify.py
    sees only the edited event, and verify_bundle also sees that the signed tag manifest changed."""
    edit_chain_line(bag, old="крок 2", new="крок 9")
    recompute_manifests_keeping_the_signature(bag)
    edited = f"{CHAIN_1} line 2: the event's content does not match its event_hash (the event was edited)"
    bad_signature = (
        f"signature: does not verify with the key included in the bundle ({public_key_fingerprint(key.public_key())}): "
        "tagmanifest-sha256.txt was changed or the signature was replaced"
    )
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, [edited])
    assert run_command(target)[:2] == (False, [edited, bad_signature])


def test_a_rewritten_chain_with_items_json_updated_is_caught_by_the_checkpoint(bag: Path, form: str) -> None:
    """The attacker rewrites item 1's whole chain consistently, updates items.json and the manifests:
    every hash and link holds, but the checkpoint recorded the old second event."""
    items_path = bag / "data" / "metadata" / "items.json"
    items = json.loads(items_path.read_text(encoding="utf-8"))
    lines = (bag / CHAIN_1).read_text(encoding="utf-8").splitlines()
    chain = rewrite_from(lines, index=1, details={"note": "rewritten"})
    (bag / CHAIN_1).write_bytes(chain)
    last = json.loads(chain.decode().splitlines()[-1])
    items[0]["custody_head"] = {"sequence": last["sequence"], "event_hash": last["event_hash"]}
    items_path.write_text(json.dumps(items, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    recompute_manifests_keeping_the_signature(bag)
    checkpoint = json.loads((bag / "data" / "custody" / "checkpoint.json").read_text())
    recorded = next(leaf for leaf in checkpoint["leaves"] if leaf["item_id"] == ITEM_IDS[0])
    expected = [
        (
            f"data/custody/checkpoint.json: item {ITEM_IDS[0]}'s chain does not contain the event the checkpoint "
            f"recorded (sequence 2 {recorded['event_hash']}); the chain was rewritten or cut"
        )
    ]
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[1][:1] == expected


def test_a_custody_head_that_no_longer_matches_items_json_fails(bag: Path, form: str, key: Ed25519PrivateKey) -> None:
    """A valid event appended after export (and everything re-signed, as a buggy builder would):
    the chain is intact but is not the one the bundle claims."""
    items = json.loads((bag / "data" / "metadata" / "items.json").read_text(encoding="utf-8"))
    claimed = items[0]["custody_head"]
    lines = (bag / CHAIN_1).read_text(encoding="utf-8").splitlines()
    chain = append_event(lines, action="viewed")
    (bag / CHAIN_1).write_bytes(chain)
    new_head = json.loads(chain.decode().splitlines()[-1])["event_hash"]
    write_manifests(bag, key)
    expected = [
        (
            f"item {ITEM_IDS[0]}: items.json says the chain ends at sequence 3 {claimed['event_hash']}, "
            f"the chain in the bag ends at sequence 4 {new_head}"
        )
    ]
    assert claimed["sequence"] == 3
    target = deliver(bag, form)

    assert run_script(target)[:2] == (1, expected)
    assert run_command(target)[:2] == (False, expected)


def test_a_replaced_signature_fails_verify_bundle_and_verify_py_says_it_cannot_check_it(
    bag: Path, form: str, key: Ed25519PrivateKey
) -> None:
    forged = Ed25519PrivateKey.generate().sign((bag / "tagmanifest-sha256.txt").read_bytes())
    (bag / "signature" / "tagmanifest-sha256.txt.sig").write_bytes(forged)
    target = deliver(bag, form)

    status, failures, output = run_script(target)
    passed, command_failures, _ = run_command(target)

    assert (status, failures) == (0, [])
    assert "The Ed25519 signature is NOT checked by this script" in output
    assert f"    {OPENSSL_LINE}\n" in output
    assert (passed, command_failures) == (
        False,
        [
            (
                f"signature: does not verify with the key included in the bundle "
                f"({public_key_fingerprint(key.public_key())}): tagmanifest-sha256.txt was changed or the "
                "signature was replaced"
            )
        ],
    )


def test_a_bundle_re_signed_with_another_key_fails_against_the_published_key(
    bag: Path, key: Ed25519PrivateKey, tmp_path: Path
) -> None:
    """Someone re-signs everything with their own key (and writes its fingerprint into bag-info.txt):
    self-consistent, so only the organisation's published key shows it."""
    other = Ed25519PrivateKey.generate()
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    info = info.replace(public_key_fingerprint(key.public_key()), public_key_fingerprint(other.public_key()))
    (bag / "bag-info.txt").write_text(info, encoding="utf-8")
    write_manifests(bag, other)
    published = tmp_path / "published.pem"
    published.write_bytes(public_key_pem(key.public_key()))

    assert run_command(bag)[:2] == (True, [])
    passed, failures, _ = run_command(bag, public_key=published)

    assert passed is False
    assert failures == [
        (
            f"signature: the key included in the bundle ({public_key_fingerprint(other.public_key())}) is not the "
            f"given key ({public_key_fingerprint(key.public_key())})"
        ),
        (
            f"signature: does not verify with the given key ({public_key_fingerprint(key.public_key())}): "
            "tagmanifest-sha256.txt was changed or the signature was replaced"
        ),
    ]


def test_a_fingerprint_that_does_not_match_the_included_key_fails(bag: Path, form: str, key: Ed25519PrivateKey) -> None:
    (bag / "signature" / "fingerprint.txt").write_text("sha256:" + "0" * 64 + "\n")
    target = deliver(bag, form)

    assert run_script(target)[:2] == (
        1,
        [
            (
                f"signature/fingerprint.txt: says sha256:{'0' * 64}, the included key's fingerprint is "
                f"{public_key_fingerprint(key.public_key())}"
            )
        ],
    )


# --- Names that must not be trusted -----------------------------------------------------------------------


def test_zip_entries_with_absolute_or_parent_paths_are_refused(bag: Path) -> None:
    target = zip_bag(bag, bag.parent / "bundle.zip")
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(f"{TOP}/data/../../escape.txt", b"x")
        archive.writestr("/etc/cron.d/evil", b"x")

    status, failures, _ = run_script(target)

    assert (status, failures) == (
        1,
        [
            f"ZIP entry '{TOP}/data/../../escape.txt' refused: empty, '.' or '..' path component",
            "ZIP entry '/etc/cron.d/evil' refused: absolute path",
        ],
    )


def test_zip_entries_outside_the_bag_or_given_twice_are_refused(bag: Path) -> None:
    target = zip_bag(bag, bag.parent / "bundle.zip")
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("elsewhere/notes.txt", b"x")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr(f"{TOP}/{CRATER}", b"another crater")

    status, failures, _ = run_script(target)

    assert (status, failures) == (
        1,
        [
            f"ZIP entry elsewhere/…: outside the bag's top folder {TOP}/",
            f"ZIP entry {TOP}/{CRATER} appears more than once",
        ],
    )


def test_a_manifest_path_climbing_out_of_the_bag_is_refused(bag: Path, form: str) -> None:
    manifest = bag / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text() + "0" * 64 + "  data/../../../etc/passwd\n")
    target = deliver(bag, form)

    status, failures, _ = run_script(target)

    assert status == 1
    assert failures[0] == (
        "manifest-sha256.txt line 10: path 'data/../../../etc/passwd' refused (empty, '.' or '..' path component)"
    )


def test_a_symbolic_link_in_the_bag_folder_is_refused_and_not_followed(bag: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the bag\n")
    (bag / "data" / "evidence" / "link.txt").symlink_to(secret)

    status, failures, _ = run_script(bag)

    assert status == 1
    assert failures == ["data/evidence/link.txt: a symbolic link; a bag holds only regular files"]


# --- The standard tools named in VERIFY.txt ---------------------------------------------------------------


def verify_txt_command(bag: Path, starts: str) -> list[str]:
    line = next(
        line.strip() for line in (bag / "VERIFY.txt").read_text().splitlines() if line.strip().startswith(starts)
    )
    return shlex.split(line)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_openssl_command_of_verify_txt_accepts_the_signature_and_rejects_a_replaced_one(bag: Path) -> None:
    command = verify_txt_command(bag, "openssl pkeyutl")
    assert shlex.join(command) == OPENSSL_LINE

    good = subprocess.run(command, cwd=bag, capture_output=True, text=True, check=False, timeout=30)
    (bag / "signature" / "tagmanifest-sha256.txt.sig").write_bytes(
        Ed25519PrivateKey.generate().sign((bag / "tagmanifest-sha256.txt").read_bytes())
    )
    bad = subprocess.run(command, cwd=bag, capture_output=True, text=True, check=False, timeout=30)

    assert (good.returncode, good.stdout.strip()) == (0, "Signature Verified Successfully")
    assert (bad.returncode, bad.stdout.strip()) == (1, "Signature Verification Failure")


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum is not installed")
def test_sha256sum_checks_the_manifests_as_verify_txt_says(bag: Path) -> None:
    for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
        command = verify_txt_command(bag, f"sha256sum -c {manifest}")
        done = subprocess.run(command, cwd=bag, capture_output=True, text=True, check=False, timeout=30)
        assert done.returncode == 0, done.stdout
    data = bytearray((bag / CRATER).read_bytes())
    data[0] ^= 0x01
    (bag / CRATER).write_bytes(bytes(data))
    done = subprocess.run(
        [str(shutil.which("sha256sum")), "-c", "manifest-sha256.txt"],
        cwd=bag,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert done.returncode == 1
    assert f"{CRATER}: FAILED" in done.stdout.splitlines()


def test_verify_py_runs_on_python_3_9(bag: Path) -> None:
    python39 = shutil.which("python3.9")
    if python39 is None or subprocess.run([python39, "--version"], capture_output=True, check=False).returncode:
        pytest.skip("python3.9 is not available")
    done = subprocess.run([python39, str(bag / "verify.py")], capture_output=True, text=True, check=False, timeout=60)

    assert (done.returncode, done.stderr) == (0, "")


# --- Helpers playing the attacker ------------------------------------------------------------------------


def recompute_manifests_keeping_the_signature(bag: Path) -> None:
    """Re-compute Payload-Oxum, manifests and tag manifests, but keep the organisation's signature files
    (the attacker does not have its private key)."""
    kept = {path.name: path.read_bytes() for path in (bag / "signature").iterdir()}
    write_manifests(bag, Ed25519PrivateKey.generate())
    for name, data in kept.items():
        (bag / "signature" / name).write_bytes(data)


def _hash_event(fields: dict[str, object]) -> str:
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _line(event: dict[str, object]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rewrite_from(lines: list[str], *, index: int, details: dict[str, object]) -> bytes:
    """Change event ``index``'s details and re-hash it and every later event: a consistent forgery."""
    events = [json.loads(line) for line in lines]
    events[index]["details"] = details
    previous = events[index - 1]["event_hash"] if index else "sha256:" + "0" * 64
    for event in events[index:]:
        event["prev_hash"] = previous
        event["event_hash"] = _hash_event({k: v for k, v in event.items() if k != "event_hash"})
        previous = event["event_hash"]
    return ("\n".join(_line(event) for event in events) + "\n").encode()


def append_event(lines: list[str], *, action: str) -> bytes:
    """A valid next event at the end of the chain."""
    last = json.loads(lines[-1])
    event = {**last, "sequence": last["sequence"] + 1, "action": action, "prev_hash": last["event_hash"]}
    event["event_hash"] = _hash_event({k: v for k, v in event.items() if k != "event_hash"})
    return ("\n".join([*lines, _line(event)]) + "\n").encode()


# --- Bundles built by Custos (apps.exports.services.export_bundle_build) -------------------------------


@pytest.fixture
def real_bag(built_bundle: ExportBundle, tmp_path: Path) -> Path:
    """A bundle built by Custos from three archived items, after a custody checkpoint, unzipped."""
    return unzip_bundle(built_bundle, tmp_path / "real")


@pytest.fixture
def checkpoint_first(db: None, archived_items: list[EvidenceItem]) -> None:
    custody_checkpoint_create(force=True)


def real_items(bag: Path) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((bag / "data" / "metadata" / "items.json").read_text(encoding="utf-8"))
    return items


@pytest.mark.django_db
@pytest.mark.usefixtures("checkpoint_first")
def test_a_built_bundle_passes_both_verifiers_as_zip_and_as_folder(
    built_bundle: ExportBundle, real_bag: Path, tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    copy = tmp_path / "copy.zip"
    with evidence_storage().open(built_bundle.storage_name, "rb") as stored:
        copy.write_bytes(stored.read())
    fingerprint = public_key_fingerprint(signing_key.public_key())

    for target in (copy, real_bag):
        status, failures, output = run_script(target)
        passed, command_failures, command_output = run_command(target)

        assert (status, failures, passed, command_failures) == (0, [], True, [])
        assert "OK    custody chains: 3 chains, " in output
        assert "OK    items.json: 3 items; each file has its recorded hashes, each chain ends at its head\n" in output
        assert "root matches its 3 leaves; 3 chains in this bundle contain the recorded events\n" in output
        assert f"OK    signature: valid, checked against the key included in the bundle ({fingerprint})\n" in (
            command_output
        )


@pytest.mark.django_db
@pytest.mark.parametrize("tampering", ["flip", "remove", "add", "custody", "signature", "head"])
def test_a_tampered_built_bundle_fails_with_the_problem_named(
    real_bag: Path, form: str, tampering: str, signing_key: Ed25519PrivateKey
) -> None:
    items = real_items(real_bag)
    first = items[0]
    chain = f"data/custody/{first['id']}.jsonl"
    fingerprint = public_key_fingerprint(signing_key.public_key())
    bad_signature = (
        f"signature: does not verify with the key included in the bundle ({fingerprint}): "
        "tagmanifest-sha256.txt was changed or the signature was replaced"
    )
    if tampering == "flip":
        data = bytearray((real_bag / first["path"]).read_bytes())
        data[len(data) // 2] ^= 0x80
        (real_bag / first["path"]).write_bytes(bytes(data))
        expected = [
            f"{first['path']}: {algorithm} does not match the manifest (the file was changed)"
            for algorithm in ("sha256", "sha512")
        ]
    elif tampering == "remove":
        (real_bag / first["path"]).unlink()
        expected = [
            f"{first['path']}: listed in manifest-{algorithm}.txt but missing (a file was removed)"
            for algorithm in ("sha256", "sha512")
        ]
    elif tampering == "add":
        (real_bag / "data" / "evidence" / "planted.jpg").write_bytes(b"planted")
        expected = [
            f"data/evidence/planted.jpg: present but not in manifest-{algorithm}.txt (a file was added)"
            for algorithm in ("sha256", "sha512")
        ]
        expected.append("data/evidence/planted.jpg: an evidence file that no item in items.json claims")
    elif tampering == "custody":
        text = (real_bag / chain).read_text(encoding="utf-8")
        (real_bag / chain).write_text(text.replace('"action":"received"', '"action":"verified"', 1), encoding="utf-8")
        recompute_manifests_keeping_the_signature(real_bag)
        expected = [f"{chain} line 1: the event's content does not match its event_hash (the event was edited)"]
    elif tampering == "signature":
        forged = Ed25519PrivateKey.generate().sign((real_bag / "tagmanifest-sha256.txt").read_bytes())
        (real_bag / "signature" / "tagmanifest-sha256.txt.sig").write_bytes(forged)
        expected = []
    else:  # the chain goes on past the head items.json claims (an event appended after the export)
        lines = (real_bag / chain).read_text(encoding="utf-8").splitlines()
        (real_bag / chain).write_bytes(append_event(lines, action="viewed"))
        recompute_manifests_keeping_the_signature(real_bag)
        new_head = json.loads((real_bag / chain).read_text(encoding="utf-8").splitlines()[-1])
        head = first["custody_head"]
        expected = [
            (
                f"item {first['id']}: items.json says the chain ends at sequence {head['sequence']} "
                f"{head['event_hash']}, "
                f"the chain in the bag ends at sequence {new_head['sequence']} {new_head['event_hash']}"
            )
        ]
    target = deliver(real_bag, form)
    status, failures, _ = run_script(target)
    passed, command_failures, _ = run_command(target)

    script_expected = [line for line in expected if not line.startswith("Payload-Oxum")]
    assert (status, [line for line in failures if not line.startswith("Payload-Oxum")]) == (
        1 if expected else 0,
        script_expected,
    )
    signature_broken = tampering in {"custody", "signature", "head"}
    assert passed is False
    assert [line for line in command_failures if not line.startswith("Payload-Oxum")] == (
        [*script_expected, bad_signature] if signature_broken else script_expected
    )


@pytest.mark.django_db
def test_a_built_bundle_meets_the_published_bagit_profile(real_bag: Path) -> None:
    """docs/bagit-profile.json says what a generic profile validator checks; a real bundle must meet it."""
    profile = json.loads((Path(__file__).resolve().parents[2] / "docs" / "bagit-profile.json").read_text())
    bag = bagit.Bag(str(real_bag))

    for tag, rule in profile["Bag-Info"].items():
        assert (tag in bag.info) is rule["required"], tag
        assert isinstance(bag.info[tag], str), f"{tag} is repeated"
        assert bag.info[tag] in rule.get("values", [bag.info[tag]]), tag
    assert sorted(bag.algorithms) == profile["Manifests-Required"]
    assert (
        sorted(path.name.removeprefix("tagmanifest-").removesuffix(".txt") for path in real_bag.glob("tagmanifest-*"))
        == (profile["Tag-Manifests-Required"])
    )
    for name in profile["Tag-Files-Required"]:
        assert (real_bag / name).is_file()
    assert not (real_bag / "fetch.txt").exists()
    assert ".".join(map(str, bag.version_info)) == profile["Accept-BagIt-Version"][0]
