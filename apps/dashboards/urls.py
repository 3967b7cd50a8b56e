"""Case dashboards."""

from django.urls import URLPattern

app_name = "dashboards"

urlpatterns: list[URLPattern] = []
