"""Who may add evidence to a case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.permissions import can_contribute

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case


def can_upload_evidence(user: User | AnonymousUser, case: Case) -> bool:
    """Investigators and leads of the case add evidence; reviewers and observers do not."""
    return can_contribute(user, case)
