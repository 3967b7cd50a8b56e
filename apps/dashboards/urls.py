"""Case dashboards."""

from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("cases/<uuid:case_id>/dashboard/", views.dashboard, name="case_dashboard"),
]
