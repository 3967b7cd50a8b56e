from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.models import CaseMembership
from apps.accounts.permissions import can_view_case
from apps.cases.models import Case, Invitation
from apps.common.admin import CaseScopedAdmin


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseMembership
    fk_name = "case"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added_by", "created_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Site admins create cases and appoint their first lead here, so they see every case's reference, title,
    status and members; its description and everything in it only if they are a member (need-to-know)."""

    list_display = ["reference", "title", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference", "title"]
    readonly_fields = ["id", "created_at", "updated_at", "created_by"]
    inlines = [MembershipInline]

    def get_fields(self, request: HttpRequest, obj: Case | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if obj is not None and not can_view_case(request.user, obj):
            return [field for field in fields if field != "description"]
        return fields


@admin.register(Invitation)
class InvitationAdmin(CaseScopedAdmin):
    """Read-only: invitations are made, accepted and revoked on the case's members page, where the e-mail is sent
    and the security log written. The token hash is not shown."""

    list_display = ["email", "case", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "case__reference"]
    list_select_related = ["case", "invited_by"]
    fields = (
        "id",
        "case",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
