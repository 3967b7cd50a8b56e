"""The review panel on an item's page: its review state, its decision history, and what the user may do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.template.loader import render_to_string

from apps.review.permissions import can_resubmit_item, can_review_item, four_eyes_conflict
from apps.review.selectors import review_history

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from apps.evidence.models import EvidenceItem

register = template.Library()


@register.simple_tag(takes_context=True)
def review_panel(context: template.Context, item: EvidenceItem) -> SafeString:
    """Render templates/review/_item_panel.html. One query (the history): the roles are already loaded by the page."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    can_review = user is not None and can_review_item(user, item)
    panel = {
        "item": item,
        "history": list(review_history(item=item)),
        "can_review": can_review,
        "four_eyes": four_eyes_conflict(user, item) if can_review and user is not None else None,
        "can_resubmit": user is not None and can_resubmit_item(user, item),
    }
    return render_to_string("review/_item_panel.html", panel, request=request)
