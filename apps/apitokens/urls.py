"""Pages of personal API tokens (config/urls.py includes them at accounts/tokens/, namespace "apitokens")."""

from django.urls import path

from apps.apitokens import views

app_name = "apitokens"

urlpatterns = [
    path("", views.token_list, name="list"),
    path("<uuid:token_id>/revoke/", views.token_revoke, name="revoke"),
]
