"""Case dashboards."""

from django.urls import path

from apps.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("cases/<uuid:case_id>/dashboard/", views.dashboard, name="case_dashboard"),
    path("cases/<uuid:case_id>/dashboard/fixity/", views.fixity_start, name="fixity_start"),
    path("cases/<uuid:case_id>/dashboard/fixity/progress.json", views.fixity_progress_json, name="fixity_progress"),
]
