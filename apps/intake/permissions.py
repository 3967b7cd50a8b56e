"""Who may add evidence to a case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import case_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case

UPLOADING_ROLES = frozenset({CaseRole.INVESTIGATOR, CaseRole.LEAD})


def can_upload_evidence(user: User | AnonymousUser, case: Case) -> bool:
    """Investigators and leads of the case add evidence; reviewers and observers do not."""
    return case_role(user, case) in UPLOADING_ROLES
