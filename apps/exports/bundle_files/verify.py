#!/usr/bin/env python3
"""Check a Custos case bundle without Custos.

    python3 verify.py                  # the bag this file is in
    python3 verify.py BUNDLE.zip       # a bundle as delivered (a ZIP)
    python3 verify.py BUNDLE_FOLDER    # an unzipped bundle

Needs Python 3.9 or newer and nothing else: only the standard library, no
network. It reads every file once, prints a report, and exits with status 0
when every check passes and 1 when any check fails.

What each check proves is written above it, and in VERIFY.txt. In short:

1. The bag is well formed (BagIt 1.0, RFC 8493): bagit.txt, bag-info.txt, and
   the Payload-Oxum (the number and total size of the payload files).
2. Every payload file under data/ is listed in manifest-sha256.txt and
   manifest-sha512.txt, is present, and has exactly the listed hashes; no
   payload file is unlisted.
3. The tag files (bagit.txt, bag-info.txt, the manifests, VERIFY.txt, this
   file) match tagmanifest-sha256.txt and tagmanifest-sha512.txt.
4. Each evidence item's custody chain (data/custody/<item-id>.jsonl) is
   intact: every event's hash is recomputed, sequences run 1, 2, 3 ... and
   each event names the previous one's hash.
5. Each item's last custody event is the one data/metadata/items.json says
   the bundle holds, and each item's file has the hashes recorded for it.
6. The custody checkpoint's Merkle root matches its leaves, and the chains
   in the bundle contain the events the checkpoint names.

It does not check the Ed25519 signature over tagmanifest-sha256.txt (the
standard library has no Ed25519). It checks that the signature files are
there and that the key's fingerprint is consistent, and prints the openssl
command that checks the signature itself. The signature is what ties steps
1 to 6 to the organisation: the signed tag manifest lists the manifests, and
the manifests list every payload file.

docs/bundle-format.md in Custos's source specifies the bundle in full.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import stat
import sys
import unicodedata
import zipfile
from pathlib import Path
from typing import IO, Any

# Read files in pieces of this size, so that a bundle of any size is checked
# in constant memory.
CHUNK_SIZE = 1024 * 1024

ALGORITHMS = ("sha256", "sha512")
HEX_LENGTH = {"sha256": 64, "sha512": 128}
GENESIS_HASH = "sha256:" + "0" * 64
EVENT_HASH = re.compile(r"sha256:[0-9a-f]{64}\Z")
# The fields an event's hash is computed over (docs/custody-format.md); a
# bundle's custody line holds exactly these plus "event_hash".
EVENT_FIELDS = frozenset(
    {"action", "actor", "actor_user_id", "details", "item_id", "occurred_at", "prev_hash", "sequence"}
)
SIGNATURE_FILE = "signature/tagmanifest-sha256.txt.sig"
PUBLIC_KEY_FILE = "signature/public-key.pem"
FINGERPRINT_FILE = "signature/fingerprint.txt"
SIGNATURE_FILES = (SIGNATURE_FILE, PUBLIC_KEY_FILE, FINGERPRINT_FILE)
# Every Ed25519 public key in SubjectPublicKeyInfo DER form is these 12 bytes
# (RFC 8410: SEQUENCE, AlgorithmIdentifier id-Ed25519, BIT STRING) and 32 key bytes.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
# At most this many problems are listed for one custody chain; the first is
# the one that matters (everything after a broken link is suspect anyway).
MAX_PROBLEMS_PER_CHAIN = 5


class BagError(Exception):
    """The path given is not a bag that can be opened at all."""


class Report:
    """What was checked, in order: "OK", "FAIL" and "NOTE" lines."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def ok(self, text: str) -> None:
        self.lines.append(("OK", text))

    def fail(self, text: str) -> None:
        self.lines.append(("FAIL", text))

    def note(self, text: str) -> None:
        self.lines.append(("NOTE", text))

    @property
    def problems(self) -> list[str]:
        return [text for status, text in self.lines if status == "FAIL"]

    @property
    def passed(self) -> bool:
        return not self.problems

    def render(self) -> str:
        return "".join(f"{status:<5} {text}\n" for status, text in self.lines)


# --- Reading the bag: a ZIP or a folder, with names that are not trusted ---------------------------


def unsafe_name_reason(name: str) -> str | None:
    """Why a file name inside the bag is refused, or None when it is safe.

    A name must be relative, use "/" between parts, and never climb out of the
    bag: otherwise unzipping or checking the bag could read or write outside it.
    """
    if not name:
        return "empty name"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "absolute path"
    if "\\" in name:
        return "backslash in path"
    if any(ord(character) < 32 for character in name):
        return "control character in path"
    if any(part in {"", ".", ".."} for part in name.split("/")):
        return "empty, '.' or '..' path component"
    return None


def nfc(name: str) -> str:
    # Some file systems (macOS) store names decomposed; the bag's names are NFC.
    return unicodedata.normalize("NFC", name)


class Bag:
    """The files of one bag, by their path relative to the bag's top folder ("data/…")."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.sizes: dict[str, int] = {}
        # Problems found while listing the files (unsafe names, links, duplicates).
        self.listing_problems: list[str] = []

    def open(self, name: str) -> IO[bytes]:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def close(self) -> None:
        """Release the open ZIP, if any."""


class FolderBag(Bag):
    def __init__(self, root: Path) -> None:
        super().__init__(str(root))
        self.root = root
        self.real_names: dict[str, Path] = {}
        # os.walk does not follow links; a link is reported, never read,
        # because it could point at anything on this machine.
        for folder, subfolders, files in os.walk(root, followlinks=False):
            here = Path(folder)
            for entry in [*subfolders, *files]:
                path = here / entry
                name = nfc(path.relative_to(root).as_posix())
                mode = path.lstat().st_mode
                if stat.S_ISLNK(mode):
                    self.listing_problems.append(f"{name}: a symbolic link; a bag holds only regular files")
                elif stat.S_ISREG(mode):
                    self.sizes[name] = path.stat().st_size
                    self.real_names[name] = path
                elif not stat.S_ISDIR(mode):
                    self.listing_problems.append(f"{name}: not a regular file")

    def open(self, name: str) -> IO[bytes]:
        return self.real_names[name].open("rb")


class ZipBag(Bag):
    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        try:
            self.zip = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as error:
            raise BagError(f"{path}: not a readable ZIP file ({error})") from error
        self.entries: dict[str, zipfile.ZipInfo] = {}
        safe = []
        for info in self.zip.infolist():
            reason = unsafe_name_reason(info.filename[:-1] if info.is_dir() else info.filename)
            if reason:
                self.listing_problems.append(f"ZIP entry {info.filename!r} refused: {reason}")
            elif stat.S_ISLNK(info.external_attr >> 16):
                self.listing_problems.append(f"ZIP entry {info.filename}: a symbolic link; refused")
            elif not info.is_dir():
                safe.append(info)
        # The bag is the one top folder every entry is under: "<case>_<bundle-id>/".
        tops = sorted({info.filename.split("/", 1)[0] for info in safe})
        with_bagit = [top for top in tops if f"{top}/bagit.txt" in {info.filename for info in safe}]
        top = (with_bagit or tops or [""])[0]
        for other in tops:
            if other != top:
                self.listing_problems.append(f"ZIP entry {other}/…: outside the bag's top folder {top}/")
        for info in safe:
            if not info.filename.startswith(top + "/"):
                continue  # reported above
            name = nfc(info.filename[len(top) + 1 :])
            if name in self.entries:
                # Two entries with one name: unzip tools disagree on which wins.
                self.listing_problems.append(f"ZIP entry {info.filename} appears more than once")
                continue
            self.entries[name] = info
            self.sizes[name] = info.file_size

    def open(self, name: str) -> IO[bytes]:
        return self.zip.open(self.entries[name])

    def close(self) -> None:
        self.zip.close()


def open_bag(path: Path) -> Bag:
    """The bag at ``path``: a ZIP, a bag folder, or a folder holding one unzipped bag."""
    if path.is_file():
        return ZipBag(path)
    if not path.is_dir():
        raise BagError(f"{path}: no such file or folder")
    if not (path / "bagit.txt").is_file():
        # "unzip bundle.zip" makes the bag's top folder inside the current one.
        inner = [child for child in path.iterdir() if child.is_dir() and (child / "bagit.txt").is_file()]
        if len(inner) == 1:
            path = inner[0]
    return FolderBag(path)


def hash_file(bag: Bag, name: str) -> tuple[dict[str, str], int]:
    """SHA-256 and SHA-512 of one file (lowercase hex), and its size, in a single read."""
    digests = {algorithm: hashlib.new(algorithm) for algorithm in ALGORITHMS}
    size = 0
    with bag.open(name) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            for digest in digests.values():
                digest.update(chunk)
    return {algorithm: digest.hexdigest() for algorithm, digest in digests.items()}, size


def read_text(bag: Bag, name: str, report: Report) -> str | None:
    if name not in bag.sizes:
        report.fail(f"{name}: missing")
        return None
    try:
        return bag.read(name).decode("utf-8")
    except UnicodeDecodeError:
        report.fail(f"{name}: not valid UTF-8")
    except (OSError, zipfile.BadZipFile) as error:
        report.fail(f"{name}: cannot be read ({error})")
    return None


def text_lines(text: str) -> list[str]:
    # BagIt tag files end lines with LF or CR LF.
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]


# --- 1. Structure: bagit.txt, bag-info.txt, Payload-Oxum ---------------------------------------------


def parse_tag_values(text: str) -> dict[str, list[str]]:
    """bag-info.txt's "Label: value" lines; a line starting with white space continues the value above."""
    values: dict[str, list[str]] = {}
    last: tuple[str, int] | None = None
    for line in text_lines(text):
        if line[:1] in {" ", "\t"} and last is not None:
            label, index = last
            values[label][index] += " " + line.strip()
            continue
        label, _, value = line.partition(":")
        values.setdefault(label.strip(), []).append(value.strip())
        last = (label.strip(), len(values[label.strip()]) - 1)
    return values


def check_structure(bag: Bag, report: Report) -> dict[str, list[str]]:
    """Proves the bag declares BagIt 1.0 and that data/ holds as many bytes and files as bag-info.txt says.

    The Payload-Oxum is a quick completeness check: a file added or removed
    changes the count, and almost any change of content changes the size.
    """
    bagit = read_text(bag, "bagit.txt", report)
    if bagit is not None:
        declared = parse_tag_values(bagit)
        if declared.get("BagIt-Version") == ["1.0"] and declared.get("Tag-File-Character-Encoding") == ["UTF-8"]:
            report.ok("bagit.txt: BagIt 1.0, UTF-8")
        else:
            report.fail("bagit.txt: must declare BagIt-Version 1.0 and Tag-File-Character-Encoding UTF-8")
    info_text = read_text(bag, "bag-info.txt", report)
    info = parse_tag_values(info_text) if info_text is not None else {}
    payload = [name for name in bag.sizes if name.startswith("data/")]
    octets, count = sum(bag.sizes[name] for name in payload), len(payload)
    oxum = info.get("Payload-Oxum", [])
    if len(oxum) != 1:
        report.fail("bag-info.txt: needs exactly one Payload-Oxum")
    elif oxum[0] != f"{octets}.{count}":
        report.fail(f"Payload-Oxum: bag-info.txt says {oxum[0]}, data/ holds {octets}.{count} (octets.files)")
    else:
        report.ok(f"Payload-Oxum: {count} payload files, {octets} bytes")
    for label in ("External-Identifier", "Custos-Bundle-Id", "Bagging-Date", "Source-Organization"):
        if info.get(label):
            report.note(f"{label}: {info[label][0]}")
    return info


# --- 2 and 3. Manifests and tag manifests ------------------------------------------------------------


def parse_manifest(name: str, text: str, algorithm: str, report: Report) -> dict[str, str] | None:
    """A manifest's "<hex>  <path>" lines as {path: hex}; None when a line is malformed."""
    entries: dict[str, str] = {}
    good = True
    for number, line in enumerate(text_lines(text), start=1):
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or not re.fullmatch(rf"[0-9a-fA-F]{{{HEX_LENGTH[algorithm]}}}", parts[0]):
            report.fail(f"{name} line {number}: not '<{algorithm} hex>  <path>'")
            good = False
            continue
        # RFC 8493 percent-encodes only these three characters in manifest paths.
        path = nfc(parts[1].strip().replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%"))
        reason = unsafe_name_reason(path)
        if reason:
            report.fail(f"{name} line {number}: path {path!r} refused ({reason})")
            good = False
        elif path in entries:
            report.fail(f"{name} line {number}: {path} listed twice")
            good = False
        else:
            entries[path] = parts[0].lower()
    return entries if good else None


def read_manifests(bag: Bag, prefix: str, report: Report) -> dict[str, dict[str, str]]:
    manifests = {}
    for algorithm in ALGORITHMS:
        name = f"{prefix}-{algorithm}.txt"
        text = read_text(bag, name, report)
        if text is not None:
            parsed = parse_manifest(name, text, algorithm, report)
            if parsed is not None:
                manifests[algorithm] = parsed
    return manifests


def check_files_against(bag: Bag, names: list[str], manifests: dict[str, dict[str, str]], report: Report) -> int:
    """Hash each named file once and compare with every manifest; return how many matched."""
    matched = 0
    for name in names:
        if name not in bag.sizes:
            continue  # reported by the caller as missing
        try:
            found, _ = hash_file(bag, name)
        except (OSError, zipfile.BadZipFile) as error:
            # In a ZIP, a changed byte usually shows first as a CRC error.
            report.fail(f"{name}: cannot be read, the file is damaged or was changed ({error})")
            continue
        good = True
        for algorithm, entries in manifests.items():
            if name in entries and entries[name] != found[algorithm]:
                report.fail(f"{name}: {algorithm} does not match the manifest (the file was changed)")
                good = False
        matched += good
    return matched


def check_payload(bag: Bag, report: Report) -> dict[str, dict[str, str]]:
    """Proves every payload file is exactly the one listed, and that none was added or removed.

    Both manifests must list the same files: every file under data/, and no
    other. Each file is read once and hashed with SHA-256 and SHA-512.
    """
    manifests = read_manifests(bag, "manifest", report)
    payload = sorted(name for name in bag.sizes if name.startswith("data/"))
    listed: set[str] = set()
    for algorithm, entries in manifests.items():
        for name in sorted(entries):
            if not name.startswith("data/"):
                report.fail(f"manifest-{algorithm}.txt lists {name}, which is not under data/")
            elif name not in bag.sizes:
                report.fail(f"{name}: listed in manifest-{algorithm}.txt but missing (a file was removed)")
        listed.update(entries)
        for name in payload:
            if name not in entries:
                report.fail(f"{name}: present but not in manifest-{algorithm}.txt (a file was added)")
    matched = check_files_against(bag, [name for name in payload if name in listed], manifests, report)
    if len(manifests) == len(ALGORITHMS):
        report.ok(f"manifests: {matched} of {len(payload)} payload files match SHA-256 and SHA-512")
    return manifests


def check_tag_files(bag: Bag, report: Report) -> None:
    """Proves the tag files are the ones the (signed) tag manifest lists.

    tagmanifest-sha256.txt is the file the organisation signs; it must list
    the payload manifests, so that the signature covers every payload file.
    Any other file outside data/ and signature/ must be listed too: a file
    that nothing vouches for has no place in the bag.
    """
    manifests = read_manifests(bag, "tagmanifest", report)
    for algorithm, entries in manifests.items():
        for name in sorted(entries):
            if name.startswith(("data/", "signature/", "tagmanifest-")):
                report.fail(f"tagmanifest-{algorithm}.txt lists {name}, which a tag manifest must not cover")
            elif name not in bag.sizes:
                report.fail(f"{name}: listed in tagmanifest-{algorithm}.txt but missing")
        for required in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"):
            if required not in entries:
                report.fail(f"tagmanifest-{algorithm}.txt does not list {required}")
    tag_files = sorted(
        name for name in bag.sizes if not name.startswith(("data/", "tagmanifest-")) and name not in SIGNATURE_FILES
    )
    covered = set().union(*manifests.values()) if manifests else set()
    for name in tag_files:
        if name not in covered:
            report.fail(f"{name}: not listed in the tag manifests (an added file)")
    for name in sorted(bag.sizes):
        if name.startswith("tagmanifest-") and name[len("tagmanifest-") : -len(".txt")] not in ALGORITHMS:
            report.fail(f"{name}: unexpected tag manifest")
    matched = check_files_against(bag, [name for name in tag_files if name in covered], manifests, report)
    if len(manifests) == len(ALGORITHMS):
        report.ok(f"tag manifests: {matched} of {len(tag_files)} tag files match SHA-256 and SHA-512")


# --- 4, 5 and 6. Custody chains, items.json and the checkpoint ----------------------------------------


def strict_json(data: bytes) -> Any:
    """Parse JSON, refusing what different parsers read differently: duplicate keys, NaN, Infinity."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            raise ValueError("duplicate key")
        return result

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constant)


def canonical_hash(fields: dict[str, Any]) -> str:
    """The event hash: SHA-256 over the canonical JSON of the hashed fields (docs/custody-format.md)."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_chain(bag: Bag, name: str, item_id: str) -> tuple[list[tuple[int, str]], list[str]]:
    """One item's chain: its (sequence, event_hash) pairs in order, and what is wrong with it.

    Recomputing each event's hash proves the event was not changed after it
    was written; sequence 1, 2, 3 ... proves none was removed; each event
    naming the previous event's hash proves none was reordered or replaced.
    """
    events: list[tuple[int, str]] = []
    problems: list[str] = []
    previous_hash = GENESIS_HASH
    try:
        lines = bag.read(name).split(b"\n")
    except (OSError, zipfile.BadZipFile) as error:
        return events, [f"{name}: cannot be read ({error})"]
    if lines and lines[-1] == b"":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        where = f"{name} line {number}"
        try:
            event = strict_json(line)
        except ValueError as error:
            problems.append(f"{where}: not a JSON object ({error})")
            break
        if not isinstance(event, dict) or set(event) != EVENT_FIELDS | {"event_hash"}:
            problems.append(f"{where}: an event must have exactly the fields {sorted(EVENT_FIELDS | {'event_hash'})}")
            break
        sequence, claimed = event["sequence"], event["event_hash"]
        if type(sequence) is not int or not isinstance(claimed, str) or not EVENT_HASH.match(claimed):
            problems.append(f"{where}: sequence must be an integer and event_hash 'sha256:<64 hex>'")
            break
        if event["item_id"] != item_id:
            problems.append(f"{where}: the event belongs to item {event['item_id']!r}, not {item_id}")
        if sequence != number:
            problems.append(f"{where}: sequence {sequence}, expected {number} (an event is missing or moved)")
        if event["prev_hash"] != previous_hash:
            problems.append(f"{where}: prev_hash does not name the previous event (the chain is broken here)")
        if canonical_hash({key: event[key] for key in EVENT_FIELDS}) != claimed:
            problems.append(f"{where}: the event's content does not match its event_hash (the event was edited)")
        events.append((sequence, claimed))
        previous_hash = claimed
    if not lines:
        problems.append(f"{name}: empty chain")
    return events, problems[:MAX_PROBLEMS_PER_CHAIN]


def load_json_file(bag: Bag, name: str, report: Report) -> Any:
    if name not in bag.sizes:
        report.fail(f"{name}: missing")
        return None
    try:
        return strict_json(bag.read(name))
    except (ValueError, OSError, zipfile.BadZipFile) as error:
        report.fail(f"{name}: not valid JSON ({error})")
    return None


def strip_prefix(value: Any, algorithm: str) -> str:
    text = str(value or "")
    return text[len(algorithm) + 1 :] if text.startswith(algorithm + ":") else text


def check_chains(bag: Bag, report: Report) -> dict[str, list[tuple[int, str]]]:
    """Check every chain file data/custody/<item-id>.jsonl; return each item's (sequence, event_hash) pairs."""
    chain_files = {
        name[len("data/custody/") : -len(".jsonl")]: name
        for name in bag.sizes
        if name.startswith("data/custody/") and name.endswith(".jsonl") and name.count("/") == 2
    }
    chains: dict[str, list[tuple[int, str]]] = {}
    broken = 0
    for item_id, name in sorted(chain_files.items()):
        events, problems = check_chain(bag, name, item_id)
        chains[item_id] = events
        broken += bool(problems)
        for problem in problems:
            report.fail(problem)
    if not broken:
        events_total = sum(len(events) for events in chains.values())
        report.ok(f"custody chains: {len(chains)} chains, {events_total} events, every hash and link checked")
    return chains


def check_item(
    bag: Bag, item: dict[str, Any], chain: list[tuple[int, str]] | None, manifests: dict[str, dict[str, str]]
) -> list[str]:
    """What is wrong with one entry of items.json: its chain's head, and its file's hashes and size."""
    item_id = str(item["id"])
    problems = []
    head = item.get("custody_head") or {}
    if chain is None:
        problems.append(f"item {item_id}: no custody chain data/custody/{item_id}.jsonl")
    elif not chain or [head.get("sequence"), head.get("event_hash")] != list(chain[-1]):
        last = f"sequence {chain[-1][0]} {chain[-1][1]}" if chain else "nothing"
        problems.append(
            f"item {item_id}: items.json says the chain ends at sequence {head.get('sequence')} "
            f"{head.get('event_hash')}, the chain in the bag ends at {last}"
        )
    path = str(item.get("path") or "")
    if not path:
        return problems
    for algorithm in ALGORITHMS:
        listed = manifests.get(algorithm, {}).get(path)
        if listed is None:
            problems.append(f"item {item_id}: its file {path} is not in manifest-{algorithm}.txt")
        elif listed != strip_prefix(item.get(algorithm), algorithm):
            problems.append(f"item {item_id}: {path} is not the file collected ({algorithm} differs from items.json)")
    if path in bag.sizes and bag.sizes[path] != item.get("size_bytes"):
        problems.append(f"item {item_id}: {path} has {bag.sizes[path]} bytes, items.json says {item.get('size_bytes')}")
    return problems


def check_custody(bag: Bag, manifests: dict[str, dict[str, str]], report: Report) -> None:
    """Proves each item's chain is intact, is the one items.json claims, and that each file is the one collected.

    items.json gives, for each item, the hashes recorded when it was collected
    and the head (last event) of its chain at export. The file in the bag must
    have those hashes, and the chain in the bag must end at that head.
    """
    chains = check_chains(bag, report)
    items = load_json_file(bag, "data/metadata/items.json", report)
    if not isinstance(items, list) or not all(isinstance(item, dict) and "id" in item for item in items):
        if items is not None:
            report.fail("data/metadata/items.json: must be a list of items, each with an id")
        items = []
    good = 0
    for item in items:
        problems = check_item(bag, item, chains.get(str(item["id"])), manifests)
        good += not problems
        for problem in problems:
            report.fail(problem)
    for item_id in sorted(set(chains) - {str(item["id"]) for item in items}):
        report.fail(f"data/custody/{item_id}.jsonl: a chain for an item that items.json does not list")
    claimed = {str(item.get("path")) for item in items}
    for name in sorted(bag.sizes):
        if name.startswith("data/evidence/") and name not in claimed:
            report.fail(f"{name}: an evidence file that no item in items.json claims")
    if good == len(items):
        report.ok(f"items.json: {len(items)} items; each file has its recorded hashes, each chain ends at its head")
    check_checkpoint(bag, chains, report)


def leaf_hash(item_id: str, sequence: int, event_hash: str) -> bytes:
    """A checkpoint leaf's hash (docs/custody-format.md, "Checkpoints"): SHA-256(0x00 || id \\n seq \\n hash)."""
    return hashlib.sha256(b"\x00" + f"{item_id}\n{sequence}\n{event_hash}".encode()).digest()


def merkle_root(level: list[bytes]) -> str:
    """RFC 6962's Merkle Tree Hash over the leaf hashes, in order."""
    if not level:
        return "sha256:" + hashlib.sha256(b"").hexdigest()
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # an odd node is carried up unchanged
        level = paired
    return "sha256:" + level[0].hex()


def parse_leaf(leaf: Any) -> tuple[int, str, int, str] | None:
    # A leaf of this bundle: {"index": <position in leaf_hashes>, "item_id", "sequence", "event_hash"}.
    if not isinstance(leaf, dict):
        return None
    index, item_id, sequence, event_hash = (leaf.get(key) for key in ("index", "item_id", "sequence", "event_hash"))
    if type(index) is int and isinstance(item_id, str) and type(sequence) is int and isinstance(event_hash, str):
        return index, item_id, sequence, event_hash
    return None


def parse_leaf_hashes(values: Any) -> list[bytes] | None:
    if not isinstance(values, list):
        return None
    hashes = []
    for value in values:
        if not isinstance(value, str) or len(value) != 64:
            return None
        try:
            hashes.append(bytes.fromhex(value))
        except ValueError:
            return None
    return hashes


def check_checkpoint(bag: Bag, chains: dict[str, list[tuple[int, str]]], report: Report) -> None:
    """Proves the checkpoint is self-consistent and that the bag's chains contain what it recorded.

    A checkpoint (a Merkle root over every chain's head at one moment, possibly
    timestamped by an outside authority) shows what the chains held then. The
    bundle carries the hash of every leaf, in order, so that the root can be
    recomputed, but names only the leaves of its own items (the organisation's
    other cases are none of the recipient's business). Each of those leaves
    must hash to the value at its position, and each chain in the bag must
    still contain the event the checkpoint names for its item: a chain
    rewritten after the checkpoint would not.
    """
    name = "data/custody/checkpoint.json"
    if name not in bag.sizes:
        report.note("custody checkpoint: none in this bundle")
        return
    checkpoint = load_json_file(bag, name, report)
    if not isinstance(checkpoint, dict) or not isinstance(checkpoint.get("leaves"), list):
        report.fail(f"{name}: must be an object with root_hash, leaf_hashes and leaves")
        return
    leaf_hashes = parse_leaf_hashes(checkpoint.get("leaf_hashes"))
    leaves = [parse_leaf(leaf) for leaf in checkpoint["leaves"]]
    if leaf_hashes is None or any(leaf is None for leaf in leaves):
        report.fail(
            f"{name}: leaf_hashes must be 64-digit hex strings, and each leaf {{index, item_id, sequence, event_hash}}"
        )
        return
    good_leaves = [leaf for leaf in leaves if leaf is not None]
    root = merkle_root(leaf_hashes)
    problems = 0
    if root != checkpoint.get("root_hash"):
        report.fail(f"{name}: root_hash {checkpoint.get('root_hash')} does not match its leaf hashes ({root})")
        problems += 1
    if checkpoint.get("leaf_count") != len(leaf_hashes):
        report.fail(f"{name}: leaf_count {checkpoint.get('leaf_count')} but {len(leaf_hashes)} leaf hashes")
        problems += 1
    in_bag = 0
    for index, item_id, sequence, event_hash in good_leaves:
        if not 0 <= index < len(leaf_hashes) or leaf_hashes[index] != leaf_hash(item_id, sequence, event_hash):
            report.fail(f"{name}: the leaf of item {item_id} is not the one the checkpoint holds at position {index}")
            problems += 1
            continue
        chain = chains.get(item_id)
        if chain is None:
            continue
        in_bag += 1
        if sequence > len(chain) or chain[sequence - 1] != (sequence, event_hash):
            report.fail(
                f"{name}: item {item_id}'s chain does not contain the event the checkpoint recorded "
                f"(sequence {sequence} {event_hash}); the chain was rewritten or cut"
            )
            problems += 1
    if not problems:
        report.ok(
            f"checkpoint {checkpoint.get('id')} of {checkpoint.get('created_at')}: root matches its "
            f"{len(leaf_hashes)} leaves; {in_bag} chains in this bundle contain the recorded events"
        )
    if "data/custody/checkpoint.tsr" in bag.sizes:
        report.note(
            "the checkpoint has an RFC 3161 timestamp; check it with the authority's CA certificate: "
            f"printf '%s' '{checkpoint.get('root_hash')}' > root.txt && openssl ts -verify -data root.txt "
            "-in data/custody/checkpoint.tsr -CAfile tsa-ca.pem"
        )


# --- The signature: what the standard library can check, and the openssl command --------------------


def public_key_der(pem: bytes) -> bytes | None:
    """The DER bytes of a "PUBLIC KEY" PEM block, or None."""
    match = re.search(rb"-----BEGIN PUBLIC KEY-----(.+?)-----END PUBLIC KEY-----", pem, re.DOTALL)
    if not match:
        return None
    try:
        return base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except ValueError:
        return None


def check_signature_files(bag: Bag, info: dict[str, list[str]], report: Report) -> str | None:
    """Proves the signature files are present and name one key; returns that key's fingerprint.

    The fingerprint is SHA-256 over the key's DER bytes. Compare it with the one
    the organisation gave you by another channel: the key inside the bundle
    only shows that whoever holds it signed the bundle.
    """
    missing = [name for name in SIGNATURE_FILES if name not in bag.sizes]
    for name in missing:
        report.fail(f"{name}: missing")
    if missing:
        return None
    signature = bag.read(SIGNATURE_FILE)
    if len(signature) != 64:
        report.fail(f"{SIGNATURE_FILE}: {len(signature)} bytes; an Ed25519 signature has 64")
    der = public_key_der(bag.read(PUBLIC_KEY_FILE))
    if der is None or len(der) != 44 or not der.startswith(ED25519_SPKI_PREFIX):
        report.fail(f"{PUBLIC_KEY_FILE}: not an Ed25519 public key (PEM, SubjectPublicKeyInfo)")
        return None
    fingerprint = "sha256:" + hashlib.sha256(der).hexdigest()
    written = bag.read(FINGERPRINT_FILE).decode("utf-8", "replace").strip()
    declared = info.get("Custos-Signing-Key-Fingerprint", [""])[0]
    if written != fingerprint:
        report.fail(f"{FINGERPRINT_FILE}: says {written}, the included key's fingerprint is {fingerprint}")
    if declared != fingerprint:
        report.fail(f"bag-info.txt: Custos-Signing-Key-Fingerprint {declared!r} is not the included key's")
    if written == fingerprint == declared:
        report.ok(f"signing key: Ed25519, fingerprint {fingerprint}")
    return fingerprint


OPENSSL_COMMAND = (
    "openssl pkeyutl -verify -pubin -inkey signature/public-key.pem -rawin "
    "-in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig"
)


def verify_bag(bag: Bag) -> Report:
    """Run every check on an open bag, in order, and return the report."""
    report = Report()
    report.note(f"bag: {bag.label}")
    for problem in bag.listing_problems:
        report.fail(problem)
    info = check_structure(bag, report)
    manifests = check_payload(bag, report)
    check_tag_files(bag, report)
    check_custody(bag, manifests, report)
    check_signature_files(bag, info, report)
    return report


def verify_path(path: Path) -> Report:
    """Open the bag at ``path`` (a ZIP or a folder) and check it."""
    try:
        bag = open_bag(path)
    except BagError as error:
        report = Report()
        report.fail(str(error))
        return report
    try:
        return verify_bag(bag)
    finally:
        bag.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Custos case bundle (a ZIP or an unzipped bag).")
    parser.add_argument(
        "bundle", nargs="?", type=Path, default=Path(__file__).resolve().parent,
        help="the bundle's ZIP file or unzipped folder (default: the bag this script is in)",
    )  # fmt: skip
    arguments = parser.parse_args(argv)
    report = verify_path(arguments.bundle)
    out = sys.stdout
    out.write(report.render())
    out.write(
        "\nThe Ed25519 signature is NOT checked by this script (Python's standard library cannot).\n"
        "Check it with OpenSSL 3 from inside the unzipped bag folder:\n"
        f"    {OPENSSL_COMMAND}\n"
        "It must print 'Signature Verified Successfully'. Compare the key's fingerprint above with the one\n"
        "the organisation gave you by another channel.\n\n"
    )
    if report.passed:
        out.write("RESULT: PASSED - every check above holds.\n")
        return 0
    out.write(f"RESULT: FAILED - {len(report.problems)} problem(s); see the FAIL lines above.\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
