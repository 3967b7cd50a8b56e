from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.apitokens.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only, for support: whose tokens exist and whether they are used. Only their owners create or revoke them."""

    list_display = ["name", "owner", "key_prefix", "access", "created_at", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["access", "created_at"]
    search_fields = ["name", "owner__username", "key_prefix"]
    list_select_related = ["owner"]
    exclude = ["key_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
