"""Reads of the bundle register, always filtered to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import case_ids_with_roles
from apps.exports.models import ExportBundle

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from apps.accounts.models import User
    from apps.cases.models import Case


def bundles_visible(user: User | AnonymousUser) -> QuerySet[ExportBundle]:
    """The bundles of the cases the user leads (only leads export, so only they see the register)."""
    return ExportBundle.objects.filter(case_id__in=case_ids_with_roles(user, frozenset({CaseRole.LEAD})))


def case_bundles(*, user: User | AnonymousUser, case: Case) -> QuerySet[ExportBundle]:
    """The case's register, newest first, as the user may see it (empty for non-leads)."""
    return bundles_visible(user).filter(case=case).select_related("requested_by").order_by("-created_at")
