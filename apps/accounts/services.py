"""Writes to users and case memberships."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership, User
from apps.cases.models import Case


def membership_set(*, case: Case, user: User, role: CaseRole, added_by: User | None = None) -> CaseMembership:
    """Make the user a member of the case with the role (changing the role if already a member)."""
    with transaction.atomic():
        membership, _created = CaseMembership.objects.update_or_create(
            case=case, user=user, defaults={"role": role, "added_by": added_by}
        )
    return membership
