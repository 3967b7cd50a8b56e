"""Load the incident-type vocabulary from apps/incidents/data/incident_types.json.

Idempotent (update_or_create by code), so a later migration that re-runs the
same loader after the file changes brings existing databases up to date.
"""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "incident_types.json"


def load_incident_types(apps, schema_editor):
    IncidentType = apps.get_model("incidents", "IncidentType")
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for order, entry in enumerate(data["types"], start=1):
        code = entry.pop("code")
        IncidentType.objects.update_or_create(code=code, defaults={**entry, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load_incident_types, migrations.RunPython.noop)]
