"""Fixtures for intake tests: a quarantine per test, multipart bodies built byte for byte."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from tests.factories import MembershipFactory


@pytest.fixture(autouse=True)
def quarantine_per_test(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "quarantine"
    settings.INTAKE_QUARANTINE_ROOT = root
    return root


@pytest.fixture
def uploader(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user__username="investigator").user


def multipart(fields: dict[str, str], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with filenames exactly as given (test clients would sanitise them).

    files: (field name, filename, content type, content).
    """
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, content_type, content in files:
        quoted = filename.replace('"', "%22")
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        parts.append(header.encode("utf-8") + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
