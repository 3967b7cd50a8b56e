"""API routes of sources (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.sources import api

urlpatterns = [
    path("sources/", api.SourceListView.as_view(), name="source-list"),
    path("sources/<uuid:source_id>/", api.SourceDetailView.as_view(), name="source-detail"),
]
