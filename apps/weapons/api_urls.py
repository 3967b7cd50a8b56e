"""API routes of weapons (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.weapons import api

urlpatterns = [
    path("weapons/", api.WeaponTypeListView.as_view(), name="weapon-list"),
    path("weapons/<slug:slug>/", api.WeaponTypeDetailView.as_view(), name="weapon-detail"),
]
