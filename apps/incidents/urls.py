"""Incident pages (config/urls.py includes them at the site root, namespace "incidents")."""

from django.urls import path

from apps.incidents import views

app_name = "incidents"

urlpatterns = [
    path("incidents/", views.incident_list, name="list"),
    path("incidents/export.csv", views.incident_list_csv, name="export_csv"),
    path("incidents/new/", views.incident_create, name="create"),
    path("incidents/<uuid:incident_id>/", views.incident_detail, name="detail"),
    path("incidents/<uuid:incident_id>/edit/", views.incident_edit, name="edit"),
]
