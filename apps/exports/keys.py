"""The organisation's Ed25519 signing key: load, generate, fingerprint.

The key signs the exact bytes of a bundle's tagmanifest-sha256.txt. The
private key is a PKCS8 PEM file (EXPORT_SIGNING_KEY_FILE); the public key
goes into every bundle as SubjectPublicKeyInfo PEM, with its fingerprint,
the SHA-256 of the public key's DER form.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyError(Exception):
    """No usable signing key: the message says what to do."""


def signing_key_path() -> Path:
    return Path(settings.EXPORT_SIGNING_KEY_FILE)


def signing_key_load(path: Path | None = None) -> Ed25519PrivateKey:
    """The configured private key. SigningKeyError when missing or not an Ed25519 PKCS8 PEM."""
    path = path or signing_key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SigningKeyError(
            f"no signing key at {path}: create one with `python manage.py keys generate` or set EXPORT_SIGNING_KEY_FILE"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"the signing key at {path} cannot be read: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"the signing key at {path} is not an Ed25519 key")
    return key


def signing_key_generate(path: Path) -> Ed25519PrivateKey:
    """Create a new key file (mode 0600) at ``path``; refuses to overwrite an existing one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # FileExistsError if present
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_fingerprint(key: Ed25519PublicKey) -> str:
    """ "sha256:<hex>" of the DER SubjectPublicKeyInfo (what `openssl pkey -pubin -outform DER | sha256sum` gives)."""
    der = key.public_bytes(encoding=serialization.Encoding.DER, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()
