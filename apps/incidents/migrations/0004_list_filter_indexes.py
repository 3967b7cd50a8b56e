"""Indexes for the incident lists' filters.

- Oblast and raion are compared case-insensitively (UPPER(admin1) = UPPER(%s)); with the case first, PostgreSQL
  combines them with the text-search index instead of reading every incident the search matches.
- "Incidents of these types" reads the many-to-many table by type: an index on (type, incident) answers it from
  the index alone. The table is Django's own for Incident.incident_types, so the index is written in SQL (the
  same statement for PostgreSQL and SQLite).
"""

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_invitation'),
        ('incidents', '0003_incident_search_index'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(models.F('case'), django.db.models.functions.text.Upper('admin1'), name='incident_case_admin1_idx'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(models.F('case'), django.db.models.functions.text.Upper('admin2'), name='incident_case_admin2_idx'),
        ),
        migrations.RunSQL(
            sql="CREATE INDEX incident_types_by_type_idx ON incidents_incident_incident_types (incidenttype_id, incident_id)",
            reverse_sql="DROP INDEX incident_types_by_type_idx",
        ),
    ]
