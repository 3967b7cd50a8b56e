"""Who may read and write comment threads. Built on the accounts, evidence and incident predicates.

- Read a thread: anyone who may see its target (an evidence item or an
  incident); so an observer does not see the thread of an
  identity-restricted item, because they do not see the item.
- Comment: any member of the case who may see the target, except observers
  (read-only).
- Be notified of a mention: the same as reading, so that a mention never
  tells anyone about an item they may not see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import case_role
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item
from apps.incidents.models import Incident
from apps.incidents.permissions import can_view_incident

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User

# What a thread hangs on.
CommentTarget: TypeAlias = EvidenceItem | Incident


def can_read_comments(user: User | AnonymousUser, target: CommentTarget) -> bool:
    if isinstance(target, EvidenceItem):
        return can_view_item(user, target)
    return can_view_incident(user, target)


def can_comment(user: User | AnonymousUser, target: CommentTarget) -> bool:
    """Members who may see the target and are not observers."""
    if not can_read_comments(user, target):
        return False
    return case_role(user, target.case) not in {None, CaseRole.OBSERVER}


def can_be_notified(user: User | AnonymousUser, target: CommentTarget) -> bool:
    """A mentioned user hears of a comment only if they may read it."""
    return can_read_comments(user, target)
