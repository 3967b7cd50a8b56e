"""Database triggers that make the custody tables append-only.

The ORM already refuses updates and deletes (CustodyEventQuerySet); these
triggers refuse them for raw SQL too, so that no code path, bug or casual
`psql` session can rewrite history. Someone who can drop triggers can still
change rows: that is what the hash chain and the timestamped checkpoints
detect (verify_custody).

The migration that installs these imports this module; changing the SQL
needs a new migration that drops and re-creates the triggers.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY_TABLES = ("custody_custodyevent", "custody_custodycheckpoint")

_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION custos_reject_custody_change() RETURNS trigger AS $$
DECLARE
    has_rows boolean;
BEGIN
    -- TRUNCATE of an empty table changes nothing; it lets the test runner
    -- reset an empty database.
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', TG_TABLE_NAME) INTO STRICT has_rows;
        IF NOT has_rows THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'custody records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_install(table: str) -> list[str]:
    return [
        (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION custos_reject_custody_change();"
        ),
        (
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION custos_reject_custody_change();"
        ),
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        (
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'custody records are append-only: UPDATE on {table} refused'); END;"
        ),
        (
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'custody records are append-only: DELETE on {table} refused'); END;"
        ),
    ]


def install_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [_POSTGRES_FUNCTION] + [sql for table in APPEND_ONLY_TABLES for sql in _postgres_install(table)]
    if vendor == "sqlite":
        return [sql for table in APPEND_ONLY_TABLES for sql in _sqlite_install(table)]
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table};"
            for table in APPEND_ONLY_TABLES
            for suffix in ("append_only", "no_truncate")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_{suffix};"
        for table in APPEND_ONLY_TABLES
        for suffix in ("no_update", "no_delete")
    ]


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_statements(connection.vendor):
            cursor.execute(statement)


def drop(connection: BaseDatabaseWrapper) -> None:
    """Remove the triggers: what an attacker with database access would do first (tests use it)."""
    with connection.cursor() as cursor:
        for statement in drop_statements(connection.vendor):
            cursor.execute(statement)
