from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.accounts.models import CaseMembership, User


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
