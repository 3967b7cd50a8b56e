"""API routes of personal tokens (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.apitokens import api

urlpatterns = [
    path("auth/tokens/", api.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<uuid:token_id>/revoke/", api.TokenRevokeView.as_view(), name="auth-token-revoke"),
]
