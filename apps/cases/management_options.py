"""The --case REF option shared by management commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from apps.cases.models import Case


def case_from_option(reference: str | None) -> Case | None:
    """The case named by --case, None when the option is absent; a clear error for an unknown reference."""
    if not reference:
        return None
    case = Case.objects.filter(reference=reference).first()
    if case is None:
        raise CommandError(f"No case with reference {reference!r}.")
    return case
