"""API routes of the custody record (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.custody import api

urlpatterns = [
    path("evidence/<uuid:item_id>/custody/", api.CustodyEventsView.as_view(), name="custody-events"),
    path(
        "evidence/<uuid:item_id>/custody/verification/",
        api.CustodyVerificationView.as_view(),
        name="custody-verification",
    ),
]
