"""Writes to cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from apps.accounts.enums import CaseRole
from apps.accounts.services import membership_set
from apps.cases.models import Case

if TYPE_CHECKING:
    from apps.accounts.models import User


def case_create(*, reference: str, title: str, created_by: User, description: str = "") -> Case:
    """Create a case; its creator becomes its lead.

    Side effects: one Case and one CaseMembership, in one transaction.
    """
    with transaction.atomic():
        case = Case(reference=reference, title=title, description=description, created_by=created_by)
        case.full_clean()
        case.save()
        membership_set(case=case, user=created_by, role=CaseRole.LEAD, added_by=created_by)
    return case
