"""Reads of comment threads and notifications, always filtered to what the user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from apps.comments.models import Comment, Notification
from apps.common.cached_flags import cached_flag, forget
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import visible_items
from apps.incidents.models import Incident
from apps.incidents.permissions import visible_incidents

if TYPE_CHECKING:
    from collections.abc import Iterable
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User
    from apps.comments.permissions import CommentTarget


def incident_for_user(*, user: User | AnonymousUser, incident_id: UUID) -> Incident | None:
    """The incident if the user may see it, else None (callers answer 404 either way). Loads its case."""
    return visible_incidents(user).filter(pk=incident_id).select_related("case").first()


def comments_for_target(*, target: CommentTarget) -> QuerySet[Comment]:
    """The thread of an item or an incident, oldest first, with the authors (one query).

    The caller has checked that the user may read the thread
    (``comments.permissions.can_read_comments``).
    """
    on_target = Q(item=target) if isinstance(target, EvidenceItem) else Q(incident=target)
    return Comment.objects.filter(on_target).select_related("author").order_by("created_at", "id")


def _visible_notifications(user: User | AnonymousUser) -> QuerySet[Notification]:
    """The user's own notifications about comments they may still read.

    A notification is filtered again when shown, not only when created: a
    member removed from a case, or an observer on an item that has since
    become identity-restricted, must not keep reading excerpts of it.
    """
    if not user.is_authenticated:
        return Notification.objects.none()
    still_visible = (
        Q(comment__isnull=True)
        | Q(comment__item__in=visible_items(user).values("pk"))
        | Q(comment__incident__in=visible_incidents(user).values("pk"))
    )
    return Notification.objects.filter(still_visible, recipient=user)


def notifications_for_user(*, user: User | AnonymousUser, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with who caused them and the comment (one query)."""
    notifications = _visible_notifications(user).select_related("actor", "comment")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notification_for_user(*, user: User | AnonymousUser, notification_id: UUID) -> Notification | None:
    """One of the user's own notifications, or None: another user's answers exactly like a missing one."""
    return _visible_notifications(user).filter(pk=notification_id).first()


def unread_notification_count(*, user: User | AnonymousUser) -> int:
    """How many of the user's notifications are unread (none for anonymous users): no query while there are
    none (a cached answer), one otherwise."""
    if not user.is_authenticated:
        return 0
    # Every page shows this count, and most of the time it is 0: the cached answer says so. Only when there are
    # unread notifications is each one checked against what the user may still read (a longer query to build).
    if not has_unread_notifications(user_id=user.pk):
        return 0
    return _visible_notifications(user).filter(read_at__isnull=True).count()


def has_unread_notifications(*, user_id: int) -> bool:
    """Whether the user has any unread notification, readable or not (from the shared cache; forgotten by
    forget_unread_notifications whenever one is written: common.cached_flags)."""
    return cached_flag(
        _unread_key(user_id),
        # Built only when the cache has no answer: building the query costs about what reading the cache does.
        lambda: Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).exists(),
    )


def forget_unread_notifications(*, user_ids: Iterable[int]) -> None:
    forget(*(_unread_key(user_id) for user_id in user_ids))


def _unread_key(user_id: int) -> str:
    return f"comments:has-unread:v1:{user_id}"
