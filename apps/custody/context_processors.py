"""The integrity banner: how many evidence items failed a fixity check and are not yet resolved."""

from __future__ import annotations

from django.http import HttpRequest

from apps.accounts.enums import CaseRole
from apps.custody.models import IntegrityAlert
from apps.custody.selectors import open_integrity_alerts_exist


def integrity_alerts(request: HttpRequest) -> dict[str, int]:
    """``integrity_alert_count`` for the banner (no query for anonymous users, nor while no alert is open).

    Leads see the items of their cases, site admins every item, as the
    alert e-mail goes to them. It counts items, not alerts: a file that stays
    missing raises an alert on every fixity run but is still one item.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"integrity_alert_count": 0}
    # Every page asks, and nearly always no alert is open anywhere: the cached answer says so before the query
    # that counts the user's items through their case memberships is built.
    if not open_integrity_alerts_exist():
        return {"integrity_alert_count": 0}
    alerts = IntegrityAlert.objects.filter(resolved_at__isnull=True)
    if not user.is_superuser:
        # One filter() call, so that user and role are conditions on the same membership row.
        alerts = alerts.filter(item__case__memberships__user=user, item__case__memberships__role=CaseRole.LEAD)
    return {"integrity_alert_count": alerts.values("item_id").distinct().count()}
