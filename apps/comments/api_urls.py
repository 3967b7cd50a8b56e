"""API routes of comments and notifications (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.comments import api

urlpatterns = [
    path("evidence/<uuid:target_id>/comments/", api.ItemCommentsView.as_view(), name="item-comments"),
    path("incidents/<uuid:target_id>/comments/", api.IncidentCommentsView.as_view(), name="incident-comments"),
    path("notifications/", api.NotificationsView.as_view(), name="notifications"),
    path("notifications/<uuid:notification_id>/read/", api.NotificationReadView.as_view(), name="notification-read"),
]
