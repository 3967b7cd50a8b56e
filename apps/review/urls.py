from django.urls import path

from apps.review import views

app_name = "review"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("start/", views.bulk_start, name="bulk_start"),
    path("items/<uuid:item_id>/", views.item_review, name="item"),
    path("items/<uuid:item_id>/resubmit/", views.resubmit, name="resubmit"),
    path("incidents/<uuid:incident_id>/verification/", views.incident_verification, name="incident_verification"),
]
