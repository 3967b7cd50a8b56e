"""Verifying a bundle inside Custos: the recipient's verify.py, plus the Ed25519 signature.

The checks themselves live in bundle_files/verify.py, the script every bundle
carries, so that Custos and a court's technician run the very same code; it
is loaded here from its file (it is not a package module: it must stay a
single standard-library script). What the standard library cannot do, this
module adds with ``cryptography``: the signature over tagmanifest-sha256.txt,
against the key included in the bundle or a key given by the caller.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

if TYPE_CHECKING:
    from apps.exports.bundle_files.verify import Bag, Report

VERIFY_SCRIPT = Path(__file__).resolve().parent / "bundle_files" / "verify.py"
MODULE_NAME = "custos_bundle_verify"


@cache
def verify_module() -> ModuleType:
    """bundle_files/verify.py, loaded once as a module."""
    spec = importlib.util.spec_from_file_location(MODULE_NAME, VERIFY_SCRIPT)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the app
        raise ImportError(f"cannot load {VERIFY_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    spec.loader.exec_module(module)
    return module


def _fingerprint(key: Ed25519PublicKey) -> str:
    der = key.public_bytes(encoding=serialization.Encoding.DER, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _load_public_key(pem: bytes, where: str, report: Report) -> Ed25519PublicKey | None:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        report.fail(f"{where}: not a PEM public key ({error})")
        return None
    if not isinstance(key, Ed25519PublicKey):
        report.fail(f"{where}: not an Ed25519 public key")
        return None
    return key


def check_signature(bag: Bag, report: Report, *, public_key_pem: bytes | None = None) -> None:
    """Check signature/tagmanifest-sha256.txt.sig over tagmanifest-sha256.txt.

    Proves that tagmanifest-sha256.txt (and so, through the manifests it lists,
    every file of the bag) is what the holder of the key signed. With a given
    key (the one the organisation published), the check is against that key,
    and an included key that differs is a failure: the bundle would then claim
    to come from someone else.
    """
    verify = verify_module()
    needed = [verify.SIGNATURE_FILE, verify.PUBLIC_KEY_FILE, "tagmanifest-sha256.txt"]
    if any(name not in bag.sizes for name in needed):
        report.fail("signature: not checked, a file it needs is missing (see above)")
        return
    included = _load_public_key(bag.read(verify.PUBLIC_KEY_FILE), verify.PUBLIC_KEY_FILE, report)
    if public_key_pem is None:
        key, which = included, "the key included in the bundle"
    else:
        key, which = _load_public_key(public_key_pem, "the given public key", report), "the given key"
        if key is not None and included is not None and _fingerprint(key) != _fingerprint(included):
            report.fail(
                f"signature: the key included in the bundle ({_fingerprint(included)}) is not the given key "
                f"({_fingerprint(key)})"
            )
    if key is None:
        return
    try:
        key.verify(bag.read(verify.SIGNATURE_FILE), bag.read("tagmanifest-sha256.txt"))
    except InvalidSignature:
        report.fail(
            f"signature: does not verify with {which} ({_fingerprint(key)}): tagmanifest-sha256.txt "
            "was changed or the signature was replaced"
        )
        return
    report.ok(f"signature: valid, checked against {which} ({_fingerprint(key)})")
    if public_key_pem is None:
        report.note(
            "the included key only shows who signed; compare its fingerprint with the organisation's "
            "published one, or give that key with --public-key"
        )


def bundle_verify(*, path: Path, public_key_pem: bytes | None = None) -> Report:
    """Every check of verify.py on the bundle at ``path`` (ZIP or folder), then the signature.

    Read-only: nothing is written, to the bundle or to the database.
    """
    verify = verify_module()
    try:
        bag = verify.open_bag(path)
    except verify.BagError as error:
        report: Report = verify.Report()
        report.fail(str(error))
        return report
    try:
        report = verify.verify_bag(bag)
        check_signature(bag, report, public_key_pem=public_key_pem)
    finally:
        bag.close()
    return report
