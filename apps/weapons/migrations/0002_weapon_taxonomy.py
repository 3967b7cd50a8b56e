"""Load the weapon taxonomy from apps/weapons/data/weapon_taxonomy.json.

Historical models in migrations do not have django-treebeard's tree API, so
this writes the materialised-path columns (path, depth, numchild) itself,
with treebeard's defaults: 4 characters a level, alphabet 0-9A-Z. The tests
check the result with treebeard's own find_problems().

It loads into an empty table only, so re-running it never disturbs a
taxonomy that admins have edited since; a later change to the data file
ships as a migration of its own that adds or amends nodes by slug.
"""

import json
import unicodedata
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "weapon_taxonomy.json"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4


def _step(number):
    digits = ""
    while number:
        number, remainder = divmod(number, len(ALPHABET))
        digits = ALPHABET[remainder] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


def _normalize(text):
    # Same folding as apps.weapons.text.normalize_term, frozen here.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def load_taxonomy(apps, schema_editor):
    WeaponType = apps.get_model("weapons", "WeaponType")
    WeaponAlias = apps.get_model("weapons", "WeaponAlias")
    if WeaponType.objects.exists():
        return
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))

    def add(node, parent_path, position):
        path = parent_path + _step(position)
        flags = node["flags"]
        weapon = WeaponType.objects.create(
            path=path,
            depth=len(path) // STEPLEN,
            numchild=len(node["children"]),
            slug=node["slug"],
            level=node["level"],
            name=node["name"],
            name_uk=node["name_uk"],
            description=node["description"],
            is_cluster=flags["cluster"],
            is_thermobaric=flags["thermobaric"],
            is_incendiary=flags["incendiary"],
            is_landmine=flags["landmine"],
            legal_note=node["legal_note"],
            legal_note_source=node["legal_note_source"],
            source=node["source"],
            search_text=_normalize(f"{node['name']}\n{node['name_uk']}"),
        )
        for alias in node["aliases"]:
            WeaponAlias.objects.create(
                weapon_type=weapon,
                alias=alias["alias"],
                language=alias["language"],
                normalized=_normalize(alias["alias"]),
            )
        for child_position, child in enumerate(node["children"], start=1):
            add(child, path, child_position)

    for position, root in enumerate(data["nodes"], start=1):
        add(root, "", position)


class Migration(migrations.Migration):
    dependencies = [("weapons", "0001_initial")]

    operations = [migrations.RunPython(load_taxonomy, migrations.RunPython.noop)]
