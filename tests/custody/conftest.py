"""Fixtures for the custody tests: a local TSA, and tampering as an attacker with database access would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from apps.custody import db_triggers
from tests.custody.tsa import LocalTsa, local_tsa


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTsa]:
    with local_tsa(tmp_path / "tsa") as running:
        yield running


@pytest.fixture
def raw_sql_without_triggers(db: None) -> Iterator[object]:
    """Run raw SQL against the custody tables with the append-only triggers dropped, as an attacker would.

    The triggers are put back afterwards (inside the test's transaction, so
    the test database is left as it was).
    """
    db_triggers.drop(connection)

    def execute(sql: str, params: list[object] | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])

    yield execute
    db_triggers.install(connection)


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
