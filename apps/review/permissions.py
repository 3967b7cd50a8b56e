"""Who may review what. Views, the API, the template tag and the services ask these; none re-implements them.

Reviewing an item takes two things: the reviewer or lead role in the item's case (accounts.permissions.can_review)
and the four-eyes rule: nobody reviews an item they uploaded, collected or were the last to edit, so that every
approved item has been looked at by a second person. The rule holds for every reviewer's step (starting the
review, asking a question, approving, rejecting), and the services enforce it whatever the interface shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import can_review
from apps.cases.permissions import case_is_open
from apps.evidence.enums import ReviewStatus
from apps.evidence.permissions import can_edit_item, can_view_item
from apps.incidents.permissions import can_set_verification_status, can_view_incident

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.cases.models import Case
    from apps.evidence.models import EvidenceItem

__all__ = [
    "CASE_CLOSED_REFUSED",
    "RESUBMIT_REFUSED",
    "REVIEW_REFUSED",
    "VERIFICATION_REFUSED",
    "can_resubmit_item",
    "can_review_item",
    "can_set_verification_status",
    "can_view_incident",
    "case_closed_refusal",
    "four_eyes_conflict",
]

# The messages of a refusal, shared by the services, the pages and the API.
REVIEW_REFUSED = _("Only reviewers and leads of this case can review its evidence.")
VERIFICATION_REFUSED = _("Only reviewers and leads of this case can set its verification status.")
RESUBMIT_REFUSED = _("Only the investigator who may edit this item can answer while it needs information.")
# A closed (or archived) case is read-only: its review states and verification statuses stay as they were when
# it was closed, so that what was handed over is what the case still says. A lead may reopen a closed case.
CASE_CLOSED_REFUSED = _("This case is closed: its evidence and incidents are not reviewed until a lead reopens it.")

_FOUR_EYES_REASONS: dict[str, Promise] = {
    "uploaded_by": _("You uploaded this item, so someone else must review it (four-eyes rule)."),
    "collected_by": _("You collected this item, so someone else must review it (four-eyes rule)."),
    "last_edited_by": _("You were the last to edit this item, so someone else must review it (four-eyes rule)."),
}


def can_review_item(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Reviewers and leads of the item's case who may see it (the four-eyes rule is checked separately)."""
    return can_view_item(user, item) and can_review(user, item.case)


def four_eyes_conflict(user: User | AnonymousUser, item: EvidenceItem) -> Promise | None:
    """Why the four-eyes rule keeps this user from reviewing the item, or None when it does not."""
    if user.pk is None:
        return None
    for field in ("uploaded_by", "collected_by", "last_edited_by"):
        if getattr(item, f"{field}_id") == user.pk:
            return _FOUR_EYES_REASONS[field]
    return None


def case_closed_refusal(case: Case) -> Promise | None:
    """Why nothing in this case may be reviewed now (it is closed), or None while it is open."""
    return None if case_is_open(case) else CASE_CLOSED_REFUSED


def can_resubmit_item(user: User | AnonymousUser, item: EvidenceItem) -> bool:
    """Answer a reviewer's question and send the item back: whoever may edit it, while it needs information and
    the case is open."""
    return item.review_status == ReviewStatus.NEEDS_INFO and case_is_open(item.case) and can_edit_item(user, item)
