"""The incident's type codes as PostgreSQL keeps them in its own row, for the list's type filter.

migrations/0005_incident_type_codes.py adds the column ``incident_type_codes`` (text[], with a GIN index) and
the triggers that keep it equal to the incident's links in the many-to-many table. It is not a model field (the
ORM must never write it); this expression is the one way the code reads it. SQLite has no such column: callers
check ``supported`` and join the many-to-many table there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Expression, QuerySet

from apps.incidents.models import Incident

COLUMN = "incident_type_codes"


def supported(queryset: QuerySet[Incident]) -> bool:
    """Whether the queryset's database has the column (PostgreSQL)."""
    return connections[queryset.db].vendor == "postgresql"


class HasAnyTypeCode(Expression):
    """True for incidents with at least one of ``codes`` among their types (``codes && incident_type_codes``).

    A condition for ``Incident`` querysets: ``incidents.filter(HasAnyTypeCode(["shelling"]))``. It names the
    queryset's own incident table, under whatever alias that table has when the queryset becomes a subquery.
    """

    output_field = BooleanField()

    def __init__(self, codes: Sequence[str], *, alias: str | None = None) -> None:
        super().__init__()
        self.codes = list(codes)
        self.alias = alias

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,  # noqa: FBT001, FBT002 (Django's signature)
        reuse: Any = None,
        summarize: bool = False,  # noqa: FBT001, FBT002
        for_save: bool = False,  # noqa: FBT001, FBT002
    ) -> HasAnyTypeCode:
        if self.alias is not None:  # resolved already: Django resolves a subquery's conditions again
            return self
        if query is None or query.model is not Incident:
            raise TypeError("HasAnyTypeCode is a condition on incidents")
        return HasAnyTypeCode(self.codes, alias=query.get_initial_alias())

    def relabeled_clone(self, change_map: Mapping[str, str]) -> HasAnyTypeCode:
        return HasAnyTypeCode(self.codes, alias=change_map.get(self.alias or "", self.alias))

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if self.alias is None:
            raise ValueError("HasAnyTypeCode must be resolved against an incident query first")
        column = f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(COLUMN)}"
        return f"{column} && %s::text[]", [self.codes]
