from django.contrib import admin

from apps.common.admin import CaseScopedAdmin
from apps.custody.models import CustodyEvent


@admin.register(CustodyEvent)
class CustodyEventAdmin(CaseScopedAdmin):
    """Read-only: the ledger is append-only and written only by services."""

    case_lookup = "item__case"

    list_display = ["item", "sequence", "action", "actor", "occurred_at"]
    list_filter = ["action", "occurred_at"]
    search_fields = ["item__id", "actor", "event_hash"]
    list_select_related = ["item", "item__case"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: CustodyEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: CustodyEvent | None = None) -> bool:
        return False
