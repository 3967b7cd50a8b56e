from django.urls import path

from apps.cases import views

app_name = "cases"

urlpatterns = [
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/members/", views.members, name="members"),
    path("<uuid:case_id>/members/role/", views.member_role, name="member_role"),
    path("<uuid:case_id>/members/remove/", views.member_remove_view, name="member_remove"),
    path("<uuid:case_id>/invitations/", views.invite, name="invite"),
    path(
        "<uuid:case_id>/invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("<uuid:case_id>/close/", views.close, name="close"),
    path("<uuid:case_id>/reopen/", views.reopen, name="reopen"),
]
