from django.urls import path

from apps.intake import views

app_name = "intake"

urlpatterns = [
    path("cases/<uuid:case_id>/evidence/upload/", views.upload, name="upload"),
    path("uploads/<uuid:item_id>/status/", views.item_status, name="item_status"),
]
