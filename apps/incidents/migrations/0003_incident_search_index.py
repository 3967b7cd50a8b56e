"""A GIN index for the incidents' full-text search, on PostgreSQL only.

The expression is exactly the one apps.common.search.full_text_search builds for the incident list's and the
API's search fields (SearchVector over title, narrative, place_name, admin1, admin2, admin3 with the "simple"
configuration: each column in COALESCE, joined with ' '); the planner uses the index only for that very
expression. SQLite has no text search: nothing is created there.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEX_NAME = "incident_search_idx"
SEARCH_VECTOR = (
    "to_tsvector('simple'::regconfig, "
    "COALESCE(title, '') || ' ' || COALESCE(narrative, '') || ' ' || COALESCE(place_name, '') || ' ' || "
    "COALESCE(admin1, '') || ' ' || COALESCE(admin2, '') || ' ' || COALESCE(admin3, ''))"
)


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON incidents_incident USING gin ({SEARCH_VECTOR})"
        )


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_incident_types")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
