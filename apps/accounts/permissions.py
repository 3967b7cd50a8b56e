"""Who may do what in a case. Views, the API and services ask these predicates; none re-implements them.

Access to a case comes only from membership (need-to-know): being a site
admin does not by itself open a case's evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case


def case_role(user: User | AnonymousUser, case: Case) -> CaseRole | None:
    """The user's role in the case, or None when they are not a member."""
    if not user.is_authenticated:
        return None
    role = CaseMembership.objects.filter(user=user, case=case).values_list("role", flat=True).first()
    return CaseRole(role) if role else None


def can_view_case(user: User | AnonymousUser, case: Case) -> bool:
    return case_role(user, case) is not None


def can_manage_case(user: User | AnonymousUser, case: Case) -> bool:
    return case_role(user, case) == CaseRole.LEAD
