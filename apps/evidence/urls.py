from django.urls import path

from apps.evidence import views

app_name = "evidence"

urlpatterns = [
    path("<uuid:item_id>/", views.item_detail, name="item_detail"),
    path("<uuid:item_id>/custody-report/", views.custody_report, name="custody_report"),
]
