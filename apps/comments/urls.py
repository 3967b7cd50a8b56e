"""Pages of the comments app (config/urls.py includes them at the site root, namespace "comments")."""

from django.urls import path

from apps.comments import views

app_name = "comments"

urlpatterns = [
    path("comments/items/<uuid:item_id>/", views.item_comment_post, name="item_comments"),
    path("comments/incidents/<uuid:incident_id>/", views.incident_comments, name="incident_comments"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<uuid:notification_id>/read/", views.notification_read, name="notification_read"),
]
