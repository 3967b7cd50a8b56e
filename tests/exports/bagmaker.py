"""A hand-made bag that follows docs/bundle-format.md, for verification tests that need no database.

It is built independently of the bundle builder (apps/exports/services.py), so that the verifier is
tested against the written format, not against whatever the builder happens to produce. Custody hashes
and the Merkle root come from apps.custody (the reference implementation of docs/custody-format.md).
The helpers below also play the attacker: re-computing manifests after an edit, re-signing, zipping.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from apps.custody.hashing import GENESIS_HASH, canonical_bytes, format_time
from apps.custody.merkle import leaf_hash, merkle_root
from apps.exports.keys import public_key_fingerprint, public_key_pem

BUNDLE_FILES = Path(__file__).resolve().parents[2] / "apps" / "exports" / "bundle_files"
ITEM_IDS = ("2b0f4c1e-0000-4000-8000-000000000001", "2b0f4c1e-0000-4000-8000-000000000002")
OTHER_ITEM_ID = "2b0f4c1e-0000-4000-8000-0000000000ff"  # in the checkpoint, not in the bundle
BAGGING_TIME = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
TOP = "UA-2024-0001_5f0e7c9a-1111-4222-8333-444455556666"
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "VERIFY.txt", "verify.py")


def custody_lines(item_id: str, actions: list[str]) -> tuple[bytes, tuple[int, str]]:
    """An item's chain as JSON Lines, and its head (sequence, event_hash)."""
    lines, previous = [], GENESIS_HASH
    for sequence, action in enumerate(actions, start=1):
        fields: dict[str, Any] = {
            "item_id": item_id,
            "sequence": sequence,
            "action": action,
            "actor": "user:kateryna" if sequence == 1 else "system:custos/0.1.0",
            "actor_user_id": 7 if sequence == 1 else None,
            "occurred_at": BAGGING_TIME - timedelta(days=10 - sequence),
            "details": {"note": "Ковель, крок " + str(sequence)},
            "prev_hash": previous,
        }
        digest = "sha256:" + hashlib.sha256(canonical_bytes(**fields)).hexdigest()
        line = {**fields, "occurred_at": format_time(fields["occurred_at"]), "event_hash": digest}
        lines.append(json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
        previous = digest
    return ("\n".join(lines) + "\n").encode(), (len(actions), previous)


def to_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n"


def manifest_text(bag: Path, names: list[str], algorithm: str) -> bytes:
    return "".join(
        f"{hashlib.new(algorithm, (bag / name).read_bytes()).hexdigest()}  {name}\n" for name in sorted(names)
    ).encode()


def payload_names(bag: Path) -> list[str]:
    return sorted(path.relative_to(bag).as_posix() for path in (bag / "data").rglob("*") if path.is_file())


def write_manifests(bag: Path, key: Ed25519PrivateKey) -> None:
    """(Re)compute Payload-Oxum, manifests, tag manifests and the signature: what the builder does last,
    and what an attacker who edited the payload would do."""
    payload = payload_names(bag)
    octets = sum((bag / name).stat().st_size for name in payload)
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    info = [f"Payload-Oxum: {octets}.{len(payload)}\n" if line.startswith("Payload-Oxum:") else line for line in info]
    (bag / "bag-info.txt").write_text("".join(info), encoding="utf-8")
    for algorithm in ("sha256", "sha512"):
        (bag / f"manifest-{algorithm}.txt").write_bytes(manifest_text(bag, payload, algorithm))
    for algorithm in ("sha256", "sha512"):
        (bag / f"tagmanifest-{algorithm}.txt").write_bytes(manifest_text(bag, list(TAG_FILES), algorithm))
    sign(bag, key)


def sign(bag: Path, key: Ed25519PrivateKey) -> None:
    (bag / "signature").mkdir(exist_ok=True)
    (bag / "signature" / "tagmanifest-sha256.txt.sig").write_bytes(
        key.sign((bag / "tagmanifest-sha256.txt").read_bytes())
    )
    (bag / "signature" / "public-key.pem").write_bytes(public_key_pem(key.public_key()))
    (bag / "signature" / "fingerprint.txt").write_text(public_key_fingerprint(key.public_key()) + "\n")


def make_bag(parent: Path, key: Ed25519PrivateKey, *, with_checkpoint: bool = True) -> Path:
    """Write a valid bag folder ``parent/TOP`` with two items and return its path."""
    bag = parent / TOP
    (bag / "data" / "evidence").mkdir(parents=True)
    (bag / "data" / "metadata").mkdir()
    (bag / "data" / "custody").mkdir()
    (bag / "data" / "report").mkdir()
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    fingerprint = public_key_fingerprint(key.public_key())
    (bag / "bag-info.txt").write_text(
        "Source-Organization: Truth Hounds\n"
        "Contact-Name: Olena Koval\n"
        "Contact-Email: olena@example.org\n"
        "External-Identifier: UA-2024-0001\n"
        "External-Description: Shelling of Kovel\n"
        " second line of the description\n"
        "Bagging-Date: 2024-05-06\n"
        "Payload-Oxum: 0.0\n"
        "Bag-Software-Agent: Custos 0.1.0\n"
        f"Custos-Bundle-Id: {TOP.split('_', 1)[1]}\n"
        "Custos-Bagging-Time: 2024-05-06T07:08:09Z\n"
        "Custos-Recipient-Type: national_prosecutor\n"
        f"Custos-Signing-Key-Fingerprint: {fingerprint}\n",
        encoding="utf-8",
    )
    contents = [b"\xff\xd8photo of the crater\n" * 50, "свідчення.txt\n".encode() * 10]
    names = ["crater.jpg", "свідчення.txt"]
    items, heads = [], {}
    for item_id, content, name in zip(ITEM_IDS, contents, names, strict=True):
        path = f"data/evidence/{item_id}__{name}"
        (bag / path).write_bytes(content)
        chain, head = custody_lines(item_id, ["received", "verified", "archived"])
        (bag / "data" / "custody" / f"{item_id}.jsonl").write_bytes(chain)
        heads[item_id] = head
        items.append(
            {
                "id": item_id,
                "original_filename": name,
                "path": path,
                "size_bytes": len(content),
                "sha256": "sha256:" + hashlib.sha256(content).hexdigest(),
                "sha512": "sha512:" + hashlib.sha512(content).hexdigest(),
                "pending": False,
                "custody_head": {"sequence": head[0], "event_hash": head[1]},
            }
        )
    (bag / "data" / "metadata" / "items.json").write_bytes(to_json(items))
    (bag / "data" / "metadata" / "case.json").write_bytes(to_json({"reference": "UA-2024-0001"}))
    (bag / "data" / "metadata" / "excluded.json").write_bytes(to_json([]))
    (bag / "data" / "report" / "index.html").write_bytes(b"<!DOCTYPE html><title>UA-2024-0001</title>\n")
    if with_checkpoint:
        # A checkpoint taken after the second event: the chains in the bag extend it.
        leaves = [(item_id, 2, custody_head_at(bag, item_id, 2)) for item_id in ITEM_IDS]
        leaves.append((OTHER_ITEM_ID, 1, "sha256:" + "ab" * 32))
        leaves.sort()
        checkpoint = {
            "id": 12,
            "created_at": "2024-05-01T00:00:00.000000Z",
            "root_hash": merkle_root(leaves),
            "leaf_count": len(leaves),
            # Only the bundle's own leaves are named; every leaf's hash is given, in order.
            "leaves": [
                {"index": index, "item_id": item_id, "sequence": sequence, "event_hash": event_hash}
                for index, (item_id, sequence, event_hash) in enumerate(leaves)
                if item_id != OTHER_ITEM_ID
            ],
            "leaf_hashes": [leaf_hash(leaf).hex() for leaf in leaves],
        }
        (bag / "data" / "custody" / "checkpoint.json").write_bytes(to_json(checkpoint))
    for name in ("VERIFY.txt", "verify.py"):
        shutil.copyfile(BUNDLE_FILES / name, bag / name)
    write_manifests(bag, key)
    return bag


def custody_head_at(bag: Path, item_id: str, sequence: int) -> str:
    lines = (bag / "data" / "custody" / f"{item_id}.jsonl").read_text(encoding="utf-8").splitlines()
    return str(json.loads(lines[sequence - 1])["event_hash"])


def zip_bag(bag: Path, target: Path) -> Path:
    """The bag as a ZIP of STORED entries under its top folder, in the contract's order."""
    names = [path.relative_to(bag).as_posix() for path in bag.rglob("*") if path.is_file()]

    def order(name: str) -> tuple[int, str]:
        groups = ["bagit.txt", "bag-info.txt", "data/", "manifest-", "VERIFY.txt", "verify.py", "tagmanifest-"]
        return next((i for i, group in enumerate(groups) if name.startswith(group)), len(groups)), name

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name in sorted(names, key=order):
            archive.write(bag / name, f"{bag.name}/{name}")
    return target
