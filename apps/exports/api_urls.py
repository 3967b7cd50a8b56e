"""API routes of case bundles (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.exports import api

urlpatterns = [
    path("cases/<uuid:case_id>/exports/", api.CaseExportsView.as_view(), name="case-exports"),
    path("exports/<uuid:bundle_id>/", api.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<uuid:bundle_id>/download/", api.ExportDownloadView.as_view(), name="export-download"),
]
