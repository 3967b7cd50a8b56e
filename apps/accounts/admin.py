from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from apps.accounts.models import CaseMembership, SecurityEvent, User


class CaseMembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseMembership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["case"]
    readonly_fields = ["added_by", "created_at"]


@admin.register(User)
class CustosUserAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [CaseMembershipInline]
    list_filter = ["is_active", "is_staff", "is_superuser", "case_memberships__role"]


@admin.register(CaseMembership)
class CaseMembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["user", "case", "role", "created_at"]
    list_filter = ["role", "case"]
    search_fields = ["user__username", "user__email", "case__reference", "case__title"]
    autocomplete_fields = ["user", "case"]
    list_select_related = ["user", "case"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The security audit log, read-only: nobody adds, changes or deletes an entry here, superusers included."""

    list_display = ["occurred_at", "kind", "username", "actor", "case", "ip_address"]
    list_filter = ["kind", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["username", "user__username", "actor__username"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "case"]
    fields = ["occurred_at", "kind", "user", "username", "actor", "case", "ip_address", "user_agent", "details"]
    readonly_fields = [
        "occurred_at",
        "kind",
        "user",
        "username",
        "actor",
        "case",
        "ip_address",
        "user_agent",
        "details",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SecurityEvent | None = None) -> bool:
        return False
