from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.common.admin import CaseScopedAdmin
from apps.exports.models import ExportBundle


@admin.register(ExportBundle)
class ExportBundleAdmin(CaseScopedAdmin):
    """Read-only: the register is written only by apps.exports.services."""

    list_display = ["case", "created_at", "requested_by", "recipient_type", "status", "item_count", "sha256"]
    list_filter = ["status", "recipient_type"]
    search_fields = ["id", "case__reference", "recipient_organisation", "sha256"]
    list_select_related = ["case", "requested_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
