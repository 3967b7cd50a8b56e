"""Reads of cases, always filtered to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from apps.cases.models import Case

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User


def case_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases the user is a member of, with incident and evidence counts."""
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(memberships__user=user)
        .annotate(
            incident_count=Count("incidents", distinct=True),
            evidence_count=Count("evidence_items", distinct=True),
        )
        .order_by("reference")
    )
