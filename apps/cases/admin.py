from django.contrib import admin

from apps.accounts.models import CaseMembership
from apps.cases.models import Case


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
