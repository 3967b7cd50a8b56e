"""Forget the cached "is any integrity alert open?" whenever an alert is raised, resolved (in the admin) or
deleted, so that the banner shows it on the next page (custody.selectors.open_integrity_alerts_exist)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.custody.models import IntegrityAlert
from apps.custody.selectors import forget_open_integrity_alerts


@receiver(post_save, sender=IntegrityAlert, dispatch_uid="custody-forget-open-alerts-on-save")
@receiver(post_delete, sender=IntegrityAlert, dispatch_uid="custody-forget-open-alerts-on-delete")
def integrity_alert_changed(sender: type[Any], **kwargs: Any) -> None:
    forget_open_integrity_alerts()
