"""Full-text search over a queryset: PostgreSQL's text search, and a plain fallback on SQLite.

On PostgreSQL the query is read as a web search (words must all match,
"a phrase" in quotes, -word to exclude) with the "simple" configuration:
no stemming, which treats English and Ukrainian alike and never folds two
different names together. On SQLite, which has no text search in Django,
every word must appear somewhere in the fields (case-insensitive for ASCII
letters only: SQLite's LIKE does not fold Cyrillic case).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from functools import reduce
from operator import and_, or_
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

SEARCH_CONFIG = "simple"


class _LiteralSearchVector(SearchVector):
    """A SearchVector whose constants (the configuration, COALESCE's '') are written into the SQL, not bound.

    With server-side binding (config.settings) bound values become $n placeholders, and a prepared statement's
    generic plan, which PostgreSQL may choose after a few runs, could then not match the vector to an
    expression index (such as incidents' incident_search_idx, written with those constants): it would compute
    the vector for every row it reads instead. The constants here are the module's own strings, never a user's.
    """

    def as_sql(  # type: ignore[override]  # SearchVector.as_sql's own arguments (the stubs give Func's)
        self, compiler: Any, connection: Any, function: Any = None, template: Any = None
    ) -> Any:
        sql, params = super().as_sql(compiler, connection, function=function, template=template)
        if "%%" in sql or not all(isinstance(value, str) for value in params):
            return sql, params  # not the plain shape this writes out (a "%" of its own would need escaping)
        literals = tuple("'{}'".format(str(value).replace("'", "''").replace("%", "%%")) for value in params)
        return sql % literals, []


def _words(query: str) -> list[str]:
    try:
        return shlex.split(query)
    except ValueError:  # an unbalanced quote: take the words as they are
        return query.split()


def full_text_search(queryset: QuerySet[Any], *, query: str, fields: Sequence[str]) -> QuerySet[Any]:
    """``queryset`` narrowed to rows whose ``fields`` match ``query``. Fields may follow relations (a__b)."""
    query = query.strip()
    if not query or not fields:
        return queryset
    if connection.vendor == "postgresql":
        vector = _LiteralSearchVector(*fields, config=SEARCH_CONFIG)
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        if not any(LOOKUP_SEP in name for name in fields):
            # The row's own columns: the condition goes on the queryset itself, where an expression index on
            # this very vector (e.g. the incidents' incident_search_idx) can answer it.
            return queryset.filter(SearchVectorExact(vector, search))
        matching = queryset.model._default_manager.annotate(_search=vector).filter(_search=search)
        # A subquery on the primary key: joins through many-valued relations cannot multiply the rows.
        return queryset.filter(pk__in=matching.values("pk"))
    conditions = []
    for word in _words(query):
        exclude = word.startswith("-") and len(word) > 1
        term = word[1:] if exclude else word
        matches = reduce(or_, (Q(**{f"{field}__icontains": term}) for field in fields))
        conditions.append(~matches if exclude else matches)
    if not conditions:
        return queryset
    matching = queryset.model._default_manager.filter(reduce(and_, conditions))
    return queryset.filter(pk__in=matching.values("pk"))
