"""Database triggers that refuse UPDATE, DELETE (and, on PostgreSQL, TRUNCATE of a non-empty table) of custody rows."""

from django.db import migrations

from apps.custody import db_triggers


def install(apps, schema_editor):
    db_triggers.install(schema_editor.connection)


def drop(apps, schema_editor):
    db_triggers.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("custody", "0003_checkpoints_and_alerts")]

    operations = [migrations.RunPython(install, drop)]
