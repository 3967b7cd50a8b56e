"""Who may see evidence items. Views and the API ask these; the rule itself is case membership (accounts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apps.accounts.permissions import case_role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.evidence.models import EvidenceItem


def can_view_item(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Any member of the item's case, whatever their role, may see the item and its custody record.

    Being a site admin is not enough (need-to-know): only membership counts.
    """
    return case_role(user, item.case) is not None
