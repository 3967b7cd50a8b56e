"""The incident's type codes as PostgreSQL keeps them in its own row, for the list's type filter and rows.

migrations/0005_incident_type_codes.py adds the column ``incident_type_codes`` (text[], with a GIN index) and
the triggers that keep it equal to the incident's links in the many-to-many table. It is not a model field (the
ORM must never write it); the expressions here are the one way the code reads it. SQLite has no such column:
callers check ``supported`` and read the many-to-many table there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import BooleanField, Expression, QuerySet, TextField

from apps.incidents.models import Incident

COLUMN = "incident_type_codes"


def supported(queryset: QuerySet[Incident]) -> bool:
    """Whether the queryset's database has the column (PostgreSQL)."""
    return connections[queryset.db].vendor == "postgresql"


class _OnIncidentRow(Expression):
    """An expression on the queryset's own incident row, under whatever alias that row has when the queryset
    becomes a subquery (Django renames the tables of a subquery: relabeled_clone follows)."""

    def __init__(self, *, alias: str | None = None) -> None:
        super().__init__()
        self.alias = alias

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,  # noqa: FBT001, FBT002 (Django's signature)
        reuse: Any = None,
        summarize: bool = False,  # noqa: FBT001, FBT002
        for_save: bool = False,  # noqa: FBT001, FBT002
    ) -> Any:
        if self.alias is not None:  # resolved already: Django resolves a subquery's conditions again
            return self
        if query is None or query.model is not Incident:
            raise TypeError(f"{type(self).__name__} is an expression on incidents")
        return self.on_alias(query.get_initial_alias())

    def relabeled_clone(self, change_map: Mapping[str, str]) -> Any:
        return self.on_alias(change_map.get(self.alias or "", self.alias))

    def on_alias(self, alias: str | None) -> Any:
        clone = self.copy()
        clone.alias = alias
        return clone

    def column_sql(self, compiler: Any, connection: Any) -> str:
        if self.alias is None:
            raise ValueError(f"{type(self).__name__} must be resolved against an incident query first")
        return f"{compiler.quote_name_unless_alias(self.alias)}.{connection.ops.quote_name(COLUMN)}"


class HasAnyTypeCode(_OnIncidentRow):
    """True for incidents with at least one of ``codes`` among their types (``codes && incident_type_codes``).

    A condition for ``Incident`` querysets: ``incidents.filter(HasAnyTypeCode(["shelling"]))``.
    """

    output_field = BooleanField()

    def __init__(self, codes: Sequence[str], *, alias: str | None = None) -> None:
        super().__init__(alias=alias)
        self.codes = list(codes)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return f"{self.column_sql(compiler, connection)} && %s::text[]", [self.codes]


class TypeCodes(_OnIncidentRow):
    """The incident's type codes, sorted: ``incidents.values(codes=TypeCodes())`` (a list of str per row)."""

    output_field = ArrayField(TextField())

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        return self.column_sql(compiler, connection), []
