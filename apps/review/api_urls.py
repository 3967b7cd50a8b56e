"""API routes of the review workflow (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.review import api

urlpatterns = [
    path("review/queue/", api.ReviewQueueView.as_view(), name="review-queue"),
    path("evidence/<uuid:item_id>/review/", api.EvidenceReviewView.as_view(), name="evidence-review"),
    path("evidence/<uuid:item_id>/reviews/", api.EvidenceReviewHistoryView.as_view(), name="evidence-reviews"),
    path(
        "incidents/<uuid:incident_id>/verification/",
        api.IncidentVerificationView.as_view(),
        name="incident-verification",
    ),
]
