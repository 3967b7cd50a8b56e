from django.urls import path

from apps.intake import views

app_name = "intake"

urlpatterns = [
    path("cases/<uuid:case_id>/evidence/upload/", views.upload, name="upload"),
]
