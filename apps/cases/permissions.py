"""Who may see and manage a case. The rules build on case membership (accounts.permissions).

Need-to-know: a non-member may not even learn that a case exists, so views
answer 404 when ``can_view_case`` is false; a member without the right to
manage gets 403 with a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.permissions import can_manage_case, can_view_case
from apps.cases.enums import CaseStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case

__all__ = [
    "can_close_case",
    "can_manage_members",
    "can_reopen_case",
    "can_view_case",
    "case_is_open",
]


def case_is_open(case: Case) -> bool:
    """New work (uploads, incidents) is accepted only in an open case; closed and archived cases are read-only."""
    return case.status == CaseStatus.OPEN


def can_manage_members(user: User | AnonymousUser, case: Case) -> bool:
    """List members, change roles, remove members, invite and revoke invitations: leads only."""
    return can_manage_case(user, case)


def can_close_case(user: User | AnonymousUser, case: Case) -> bool:
    return can_manage_case(user, case) and case.status == CaseStatus.OPEN


def can_reopen_case(user: User | AnonymousUser, case: Case) -> bool:
    """Only a closed case is reopened here; an archived case stays archived."""
    return can_manage_case(user, case) and case.status == CaseStatus.CLOSED
