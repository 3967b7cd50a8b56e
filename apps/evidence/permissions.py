"""Who may see and change evidence items. The rules build on case membership (accounts.permissions).

``visible_items`` is the one queryset every list, search, count, download and
export of evidence starts from, so that no path can forget need-to-know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import (
    WITNESS_IDENTITY_ROLES,
    case_ids_with_roles,
    case_role,
    member_case_ids,
)
from apps.evidence.enums import ConsentStatus, ReviewStatus
from apps.evidence.models import EvidenceItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from apps.accounts.models import User

# Drafts an investigator may still edit: not yet taken into review, or sent back with a question.
EDITABLE_REVIEW_STATES = frozenset({ReviewStatus.SUBMITTED, ReviewStatus.NEEDS_INFO})

# An item is "identity-restricted" when it reveals a witness or its consent was refused.
_IDENTITY_RESTRICTED = Q(reveals_witness_identity=True) | Q(consent_status=ConsentStatus.REFUSED)


def is_identity_restricted(item: EvidenceItem) -> bool:
    return item.reveals_witness_identity or item.consent_status == ConsentStatus.REFUSED


def visible_items(user: User | AnonymousUser) -> QuerySet[EvidenceItem]:
    """The items the user may see: in their cases, minus identity-restricted items where they may not see those."""
    case_ids = member_case_ids(user)
    items = EvidenceItem.objects.filter(case_id__in=case_ids)
    identity_case_ids = case_ids_with_roles(user, WITNESS_IDENTITY_ROLES)
    # The condition is written only where it can exclude something: most users see identities in every case
    # they belong to (a shorter query, built on every page), and observers in none.
    if len(identity_case_ids) == len(case_ids):  # the same cases: both come from the user's roles
        return items
    if not identity_case_ids:
        return items.filter(~_IDENTITY_RESTRICTED)
    return items.filter(~_IDENTITY_RESTRICTED | Q(case_id__in=identity_case_ids))


def can_view_item(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Any member of the item's case may see the item and its custody record; observers not identity-restricted ones.

    Being a site admin is not enough (need-to-know): only membership counts.
    """
    role = case_role(user, item.case)
    if role is None:
        return False
    return role in WITNESS_IDENTITY_ROLES or not is_identity_restricted(item)


def can_edit_item(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Leads edit any item of their case; investigators edit their own drafts (uploaded or collected by them)."""
    role = case_role(user, item.case)
    if role == CaseRole.LEAD:
        return True
    if role != CaseRole.INVESTIGATOR or item.review_status not in EDITABLE_REVIEW_STATES:
        return False
    return user.pk is not None and user.pk in {item.uploaded_by_id, item.collected_by_id}


def can_reveal_graphic(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Anyone who may see the item may reveal its unblurred preview (the reveal is logged as a custody event)."""
    return can_view_item(user, item)
