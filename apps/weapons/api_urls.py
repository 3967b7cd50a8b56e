"""API routes of weapons (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
