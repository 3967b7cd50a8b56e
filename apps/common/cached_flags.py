"""Yes-or-no answers every page asks (is any integrity alert open? has this user an unread notification?),
kept in the shared cache so that a page does not spend a query on each.

Nearly always the answer is no, and it changes only when a row is written: the writers forget it
(``forget``), through the models' signals and in the services that write without them (bulk_create,
update()). It is forgotten at once, and again when the writing transaction commits: a page that read the
database in between would otherwise keep the old answer. Even so, a page that read the database just before
a commit can store the old answer just after it; the time limit bounds that rare lateness.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

FLAG_SECONDS = 60


def cached_flag(key: str, read: Callable[[], bool]) -> bool:
    """The cached answer under ``key``, or ``read()`` (the database's), kept for FLAG_SECONDS."""
    answer = cache.get(key)
    if isinstance(answer, bool):
        return answer
    answer = read()
    cache.set(key, answer, FLAG_SECONDS)
    return answer


def forget(*keys: str) -> None:
    """Forget these answers now and when the current transaction commits (at once outside a transaction)."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
