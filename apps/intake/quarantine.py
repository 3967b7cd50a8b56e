"""The quarantine: where received bytes wait, untouched, for the pipeline.

File names here are random (never the uploader's name), files are written
once and never modified after receipt; the archive step copies them into
content-addressed storage and only then removes them.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings


def quarantine_root() -> Path:
    root = Path(settings.INTAKE_QUARANTINE_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def new_quarantine_name(prefix: str = "upload") -> str:
    return f"{prefix}-{secrets.token_hex(16)}"


def quarantine_path(name: str) -> Path:
    """The path of a quarantine file; refuses anything but a plain name inside the root."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a quarantine name: {name!r}")
    return quarantine_root() / name
