"""The review panel on an item's page: its review state, its decision history, and what the user may do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from apps.review.permissions import can_resubmit_item, can_review_item, case_closed_refusal, four_eyes_conflict
from apps.review.selectors import review_history

if TYPE_CHECKING:
    from apps.evidence.models import EvidenceItem

register = template.Library()


@register.inclusion_tag("review/_item_panel.html", takes_context=True)
def review_panel(context: template.Context, item: EvidenceItem) -> dict[str, Any]:
    """Render templates/review/_item_panel.html with one query (the history).

    An inclusion tag renders in a copy of the page's context, so the context processors do not run (and query)
    a second time; the roles were already loaded by the page's own permission check.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    can_review = user is not None and can_review_item(user, item)
    return {
        "item": item,
        "history": list(review_history(item=item)),
        "can_review": can_review,
        # A closed case is read-only: reviewers are told so instead of being offered a review.
        "case_closed": case_closed_refusal(item.case),
        "four_eyes": four_eyes_conflict(user, item) if can_review and user is not None else None,
        "can_resubmit": user is not None and can_resubmit_item(user, item),
    }
