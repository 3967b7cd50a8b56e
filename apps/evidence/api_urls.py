"""API routes of evidence (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.evidence import api

urlpatterns = [
    path("evidence/", api.EvidenceItemListView.as_view(), name="evidence-list"),
    path("evidence/<uuid:item_id>/", api.EvidenceItemDetailView.as_view(), name="evidence-detail"),
    path("evidence/<uuid:item_id>/original/", api.OriginalFileView.as_view(), name="evidence-original"),
    path(
        "evidence/<uuid:item_id>/derivatives/<str:kind>/",
        api.DerivativeFileView.as_view(),
        name="evidence-derivative",
    ),
]
