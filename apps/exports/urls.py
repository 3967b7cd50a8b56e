from django.urls import path

from apps.exports import views

app_name = "exports"

urlpatterns = [
    path("cases/<uuid:case_id>/exports/", views.case_exports, name="case_exports"),
    path("exports/<uuid:bundle_id>/", views.detail, name="detail"),
    path("exports/<uuid:bundle_id>/progress.json", views.progress, name="progress"),
    path("exports/<uuid:bundle_id>/download/", views.download, name="download"),
]
