"""Each incident's type codes in a column of its own row, kept by the database, on PostgreSQL only.

The list's filter "incidents of these types" otherwise joins the many-to-many table: PostgreSQL must then read
every incident the other conditions match (a search and an oblast: some 1,800 rows from 1,500 blocks in
bench/pages.py) before the join keeps the few of the wanted types. With the codes in the incident's row and a
GIN index on them, the type condition joins the other indexes' bitmaps and only the rows matching all of
them are read (about 130 blocks there).

The column is not a model field: the ORM never writes it, so an instance loaded before its types changed
cannot save an old value back. Statement triggers on the many-to-many table set it after every insert, delete,
update or truncate there, whoever writes (Django's .set()/.add(), the admin, raw SQL, COPY). The trigger
function locks the incidents first, so that its UPDATE, a statement of its own, reads links committed by a
transaction it waited for (two transactions changing one incident's types at once).
apps.incidents.type_codes reads it; SQLite has no such column (the filter joins there).
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CREATE = [
    "ALTER TABLE incidents_incident ADD COLUMN incident_type_codes text[] NOT NULL DEFAULT '{}'",
    """
    CREATE FUNCTION incidents_refresh_type_codes(incident_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM incidents_incident WHERE id = ANY(incident_ids) ORDER BY id FOR UPDATE;
        UPDATE incidents_incident AS incident
           SET incident_type_codes = COALESCE(
                   (SELECT array_agg(link.incidenttype_id ORDER BY link.incidenttype_id)
                      FROM incidents_incident_incident_types AS link
                     WHERE link.incident_id = incident.id),
                   '{}')
         WHERE incident.id = ANY(incident_ids);
    END;
    $$
    """,
    """
    CREATE FUNCTION incidents_type_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE incidents_incident SET incident_type_codes = '{}' WHERE incident_type_codes <> '{}';
        ELSIF TG_OP = 'INSERT' THEN
            PERFORM incidents_refresh_type_codes(ARRAY(SELECT DISTINCT incident_id FROM new_links));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM incidents_refresh_type_codes(ARRAY(SELECT DISTINCT incident_id FROM old_links));
        ELSE
            PERFORM incidents_refresh_type_codes(
                ARRAY(SELECT incident_id FROM old_links UNION SELECT incident_id FROM new_links));
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    "CREATE TRIGGER incident_type_codes_insert AFTER INSERT ON incidents_incident_incident_types "
    "REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION incidents_type_links_changed()",
    "CREATE TRIGGER incident_type_codes_delete AFTER DELETE ON incidents_incident_incident_types "
    "REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION incidents_type_links_changed()",
    "CREATE TRIGGER incident_type_codes_update AFTER UPDATE ON incidents_incident_incident_types "
    "REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links "
    "FOR EACH STATEMENT EXECUTE FUNCTION incidents_type_links_changed()",
    "CREATE TRIGGER incident_type_codes_truncate AFTER TRUNCATE ON incidents_incident_incident_types "
    "FOR EACH STATEMENT EXECUTE FUNCTION incidents_type_links_changed()",
    # The incidents that already have types.
    """
    UPDATE incidents_incident AS incident
       SET incident_type_codes = codes.codes
      FROM (SELECT incident_id, array_agg(incidenttype_id ORDER BY incidenttype_id) AS codes
              FROM incidents_incident_incident_types GROUP BY incident_id) AS codes
     WHERE codes.incident_id = incident.id
    """,
    "CREATE INDEX incident_type_codes_idx ON incidents_incident USING gin (incident_type_codes)",
]

DROP = [
    "DROP INDEX IF EXISTS incident_type_codes_idx",
    *(
        f"DROP TRIGGER IF EXISTS incident_type_codes_{event} ON incidents_incident_incident_types"
        for event in ("insert", "delete", "update", "truncate")
    ),
    "DROP FUNCTION IF EXISTS incidents_type_links_changed()",
    "DROP FUNCTION IF EXISTS incidents_refresh_type_codes(uuid[])",
    "ALTER TABLE incidents_incident DROP COLUMN IF EXISTS incident_type_codes",
]


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_list_filter_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
