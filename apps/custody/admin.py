from django.contrib import admin

from apps.custody.models import CustodyEvent


@admin.register(CustodyEvent)
class CustodyEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the ledger is append-only and written only by services."""

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
