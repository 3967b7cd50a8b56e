from django.urls import path

from apps.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("export.csv", views.item_list_csv, name="item_list_csv"),
    path("<uuid:item_id>/", views.item_detail, name="item_detail"),
    path("<uuid:item_id>/custody-report/", views.custody_report, name="custody_report"),
    path("<uuid:item_id>/download/", views.item_download, name="item_download"),
    path("<uuid:item_id>/original/", views.item_original, name="item_original"),
    path("<uuid:item_id>/preview/<str:kind>/", views.item_preview, name="item_preview"),
    path("<uuid:item_id>/reveal/", views.item_reveal, name="item_reveal"),
    path("<uuid:item_id>/conceal/", views.item_conceal, name="item_conceal"),
]
