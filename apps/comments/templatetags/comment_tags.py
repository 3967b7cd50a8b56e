"""The comment thread on an item's or incident's page, @mention highlighting, and the unread-notification count."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from apps.comments.forms import CommentForm
from apps.comments.mentions import highlight_mentions
from apps.comments.permissions import CommentTarget, can_comment, can_read_comments
from apps.comments.selectors import comments_for_target, unread_notification_count
from apps.evidence.models import EvidenceItem

register = template.Library()


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_thread(context: template.Context, target: CommentTarget) -> dict[str, Any]:
    """The thread of ``target`` (an evidence item or an incident) and, for those who may comment, the comment box.

    One query for the thread (authors joined). The page has already checked
    that the user may see the target; the check here only keeps a thread
    from appearing where it should not if a page forgets. A page that
    re-shows a refused comment puts its bound form in ``comment_form``.
    """
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not can_read_comments(user, target):
        return {"visible": False}
    if isinstance(target, EvidenceItem):
        action = reverse("comments:item_comments", kwargs={"item_id": target.pk})
    else:
        action = reverse("comments:incident_comments", kwargs={"incident_id": target.pk})
    may_comment = can_comment(user, target)
    return {
        "visible": True,
        "target": target,
        "comments": list(comments_for_target(target=target)),
        "may_comment": may_comment,
        "form": (context.get("comment_form") or CommentForm()) if may_comment else None,
        "action": action,
    }


@register.filter
def mentions(text: str) -> SafeString:
    """A comment's text, escaped, with @mentions highlighted (see comments.mentions.highlight_mentions)."""
    return highlight_mentions(text)


@register.simple_tag(takes_context=True)
def unread_notification_total(context: template.Context) -> int:
    """How many unread notifications the signed-in user has: one COUNT query, only where the tag is used."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return 0
    return unread_notification_count(user=user)
