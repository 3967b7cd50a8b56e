"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody import db_triggers
from tests.factories import CaseFactory, MembershipFactory


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which database, broker and cache this run uses (CI's log must show it)."""
    database = settings.DATABASES["default"]
    where = f"{database.get('HOST') or 'local'}:{database.get('PORT') or ''}".rstrip(":")
    cache = settings.CACHES["default"]
    return [
        f"custos database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']} ({where})",
        f"custos broker: {_redact(settings.CELERY_BROKER_URL)}",
        f"custos cache: {cache['BACKEND'].rsplit('.', 1)[-1]} {_redact(str(cache.get('LOCATION', '')))}",
    ]


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory()


@pytest.fixture
def investigator(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """API rate-limit counters live in the cache, keyed by user id; SQLite reuses ids after a rollback."""
    cache.clear()


@pytest.fixture(autouse=True)
def evidence_storage_per_test(settings: Any, tmp_path: Path) -> Path:
    """A fresh evidence store for every test: stored originals must not leak from one test into the next."""
    root = tmp_path / "evidence"
    settings.EVIDENCE_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            **settings.STORAGES["evidence"],
            "OPTIONS": {**settings.STORAGES["evidence"]["OPTIONS"], "location": str(root)},
        },
    }
    return root


@pytest.fixture
def custody_transactional_db(transactional_db: None) -> Iterator[None]:
    """transactional_db for tests that commit custody rows.

    The test runner empties tables after such a test, which the append-only
    triggers refuse while custody rows exist; so remove them first, with the
    triggers briefly dropped, exactly as the runner would have.
    """
    yield
    db_triggers.drop(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM custody_custodyevent")
        cursor.execute("DELETE FROM custody_custodycheckpoint")
    db_triggers.install(connection)
