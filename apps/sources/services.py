"""Writes of sources.

Callers check permissions (accounts.permissions: contributors of an open
case; witness-identity fields only by roles that may see them); these
functions validate the whole source the way the database will and save it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from apps.sources.models import Source

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.cases.models import Case

# What a caller may set (the case and the creator are fixed when the source is recorded).
SOURCE_FIELDS = frozenset(
    {
        "source_type",
        "title",
        "publisher",
        "author",
        "url",
        "language",
        "published_at",
        "retrieved_at",
        "reliability",
        "notes",
        "witness_name",
        "witness_contact",
    }
)
WITNESS_IDENTITY_FIELDS = frozenset({"witness_name", "witness_contact"})


def _set_fields(source: Source, values: Mapping[str, Any]) -> list[str]:
    unknown = set(values) - SOURCE_FIELDS
    if unknown:
        raise ValueError(f"not settable here: {sorted(unknown)}")
    for name, value in values.items():
        setattr(source, name, value)
    return list(values)


def source_create(*, case: Case, created_by: User, values: Mapping[str, Any]) -> Source:
    """Record a new source in ``case``. Side effects: one source row. Raises ValidationError by field."""
    source = Source(case=case, created_by=created_by)
    _set_fields(source, values)
    source.full_clean()
    source.save()
    return source


def source_update(*, source: Source, values: Mapping[str, Any]) -> Source:
    """Change some of a source's fields, with the row locked while it is checked and written.

    Raises ValidationError by field.
    """
    with transaction.atomic():
        locked = Source.objects.select_for_update().get(pk=source.pk)
        changed = _set_fields(locked, values)
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
    return locked
