"""API routes of cases (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.cases import api

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="case-list"),
    path("cases/<uuid:case_id>/", api.CaseDetailView.as_view(), name="case-detail"),
]
