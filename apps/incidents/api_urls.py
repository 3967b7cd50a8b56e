"""API routes of incidents (config/api_urls.py puts them under api/v1/ in the "api" namespace)."""

from django.urls import path

from apps.incidents import api

urlpatterns = [
    path("incidents/", api.IncidentListView.as_view(), name="incident-list"),
    path("incidents/<uuid:incident_id>/", api.IncidentDetailView.as_view(), name="incident-detail"),
    path(
        "incidents/<uuid:incident_id>/allegations/",
        api.IncidentAllegationsView.as_view(),
        name="incident-allegations",
    ),
    path("allegations/<uuid:allegation_id>/", api.AllegationDetailView.as_view(), name="allegation-detail"),
    path(
        "cases/<uuid:case_id>/casualty-figures/",
        api.CaseCasualtyFiguresView.as_view(),
        name="case-casualty-figures",
    ),
    path(
        "casualty-figures/<int:figure_id>/",
        api.CasualtyFigureDetailView.as_view(),
        name="casualty-figure-detail",
    ),
]
