"""API routes of intake (included under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.intake import api

urlpatterns = [
    path("cases/<uuid:case_id>/evidence/", api.EvidenceUploadView.as_view(), name="evidence-upload"),
    path("evidence/<uuid:item_id>/", api.EvidenceStatusView.as_view(), name="evidence-status"),
]
