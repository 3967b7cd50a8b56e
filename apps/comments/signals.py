"""Forget a user's cached "any unread notification?" whenever one of their notifications is saved or deleted,
so that the header's badge counts it on the next page (comments.selectors.has_unread_notifications).

bulk_create and update() send no signal: the services that use them forget the answer themselves."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.comments.models import Notification
from apps.comments.selectors import forget_unread_notifications


@receiver(post_save, sender=Notification, dispatch_uid="comments-forget-unread-on-save")
@receiver(post_delete, sender=Notification, dispatch_uid="comments-forget-unread-on-delete")
def notification_changed(sender: type[Any], instance: Notification, **kwargs: Any) -> None:
    forget_unread_notifications(user_ids=[instance.recipient_id])
