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
