"""Who may see and change incidents. The rules build on case membership (accounts.permissions).

``visible_incidents`` is the queryset every incident list, search, count and
export starts from (need-to-know).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.permissions import can_contribute, can_review, case_role, member_case_ids
from apps.incidents.models import Incident

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from apps.accounts.models import User


def visible_incidents(user: User | AnonymousUser) -> QuerySet[Incident]:
    return Incident.objects.filter(case_id__in=member_case_ids(user))


def can_view_incident(user: User | AnonymousUser, incident: Incident) -> bool:
    return case_role(user, incident.case) is not None


def can_edit_incident(user: User | AnonymousUser, incident: Incident) -> bool:
    """Investigators and leads of the incident's case."""
    return can_contribute(user, incident.case)


def can_set_verification_status(user: User | AnonymousUser, incident: Incident) -> bool:
    """Reviewers and leads set an incident's verification status (with a reason; its history is kept)."""
    return can_review(user, incident.case)
