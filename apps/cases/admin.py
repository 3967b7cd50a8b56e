from django.contrib import admin
from django.http import HttpRequest

from apps.accounts.models import CaseMembership
from apps.cases.models import Case, Invitation


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseMembership
    fk_name = "case"
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added_by", "created_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["reference", "title", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["reference", "title", "description"]
    readonly_fields = ["id", "created_at", "updated_at", "created_by"]
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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
