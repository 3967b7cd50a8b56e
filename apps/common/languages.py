"""Names kept in both working languages (vocabularies: incident types, weapon types)."""

from __future__ import annotations

from django.utils.translation import get_language


def name_in_language(english: str, ukrainian: str) -> str:
    """The Ukrainian name when Ukrainian is active and there is one, else the English name."""
    return ukrainian if ukrainian and (get_language() or "").startswith("uk") else english
